/**
 * render.ts — a scene value -> the RGB bytes the model sees, at the model's own resolution.
 *
 * Teaches: rendering is a pure function of the scene, in three passes over an S x S x 3 byte image:
 *
 *   1. fill every pixel with the background color
 *   2. draw: each object's mask in its color at (x, y) (shapes.ts), or the text with the 5x7
 *      bitmap font, each font pixel a scale x scale square (processor's rasterizeText)
 *   3. noise: every channel of every pixel += U{-noise..noise}, clamped to 0..255, drawn from a
 *      xorshift32 generator seeded with scene.noiseSeed (so the same scene gives the same bytes)
 *
 * The image is never resized: pixel_values are these bytes / 255, normalized (batch.ts), exactly
 * what processor's preprocessImages computes for an image already at the model size.
 *
 * References: G. Marsaglia, "Xorshift RNGs" (2003) for the noise generator.
 *
 * Leaves out: anti-aliasing, blending, lighting.
 */
import { type RgbImage, rasterizeText } from "@paligemma-ts/processor";
import type { Rgb } from "./palette.ts";
import type { Scene } from "./scene.ts";
import { shapeMask } from "./shapes.ts";

function setPixel(img: RgbImage, x: number, y: number, rgb: Rgb): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const p = (y * img.width + x) * 3;
  img.data[p] = rgb[0];
  img.data[p + 1] = rgb[1];
  img.data[p + 2] = rgb[2];
}

/**
 * Add U{-amplitude..amplitude} to every byte, clamped (xorshift32 from `seed`). The uniform draw
 * is ((s >>> 16) * span) >>> 16, a multiply-shift that stays in small integers (fast in V8); the
 * clamp is Uint8ClampedArray's.
 */
function addNoise(data: Uint8Array, amplitude: number, seed: number): void {
  if (amplitude === 0) return;
  const out = new Uint8ClampedArray(data.buffer, data.byteOffset, data.length);
  let s = seed | 0 || 0x9e3779b9 | 0; // xorshift32 must not start at 0
  const span = 2 * amplitude + 1;
  for (let i = 0; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = out[i] + (((s >>> 16) * span) >>> 16) - amplitude;
  }
}

/** The scene's image: S x S RGB bytes (S = scene.imageSize). */
export function renderScene(scene: Scene): RgbImage {
  const S = scene.imageSize;
  const img: RgbImage = { width: S, height: S, data: new Uint8Array(S * S * 3) }; // [S, S, 3]
  const [br, bg, bb] = scene.background;
  for (let p = 0; p < S * S * 3; p += 3) {
    img.data[p] = br;
    img.data[p + 1] = bg;
    img.data[p + 2] = bb;
  }
  if (scene.kind === "shapes") {
    for (const o of scene.objects) {
      const mask = shapeMask(o.shape, o.size);
      for (let j = 0; j < o.size; j++) {
        for (let i = 0; i < o.size; i++) if (mask.data[j * o.size + i]) setPixel(img, o.x + i, o.y + j, o.rgb);
      }
    }
  } else {
    rasterizeText(scene.text, scene.x, scene.y, scene.scale, (x, y) => setPixel(img, x, y, scene.rgb));
  }
  addNoise(img.data, scene.noise, scene.noiseSeed);
  return img;
}
