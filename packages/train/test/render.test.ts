// Rendering: OCR text is legible (every glyph pixel in the text color, every other pixel of the
// text box in the background color), shapes are drawn exactly where their masks say, and noise
// stays within its amplitude.
import { seededRng } from "@paligemma-ts/tensor";
import { GLYPH_ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from "@paligemma-ts/processor";
import { describe, expect, it } from "vitest";
import { type Rgb, type Scene, renderScene, sampleShapeScene, sampleTextScene, shapeMask, worldConfig } from "../src/index.ts";

const S = 64;

/** The expected color of every pixel without noise: background, then objects / glyphs. */
function expectedPixels(scene: Scene): Rgb[] {
  const px: Rgb[] = new Array(S * S).fill(scene.background);
  if (scene.kind === "shapes") {
    for (const o of scene.objects) {
      const m = shapeMask(o.shape, o.size);
      for (let j = 0; j < o.size; j++) for (let i = 0; i < o.size; i++) if (m.data[j * o.size + i]) px[(o.y + j) * S + o.x + i] = o.rgb;
    }
  } else {
    // independent of rasterizeText: walk the font's column bytes ourselves
    [...scene.text].forEach((ch, k) => {
      const g = glyph(ch);
      for (let col = 0; col < GLYPH_WIDTH; col++) {
        for (let row = 0; row < GLYPH_HEIGHT; row++) {
          if (!((g[col] >> row) & 1)) continue;
          for (let dy = 0; dy < scene.scale; dy++) {
            for (let dx = 0; dx < scene.scale; dx++) px[(scene.y + row * scene.scale + dy) * S + scene.x + (k * GLYPH_ADVANCE + col) * scene.scale + dx] = scene.rgb;
          }
        }
      }
    });
  }
  return px;
}

function maxChannelError(scene: Scene): number {
  const img = renderScene(scene);
  const want = expectedPixels(scene);
  let worst = 0;
  for (let p = 0; p < S * S; p++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(img.data[p * 3 + c] - want[p][c]));
  return worst;
}

describe("renderScene", () => {
  it("text scenes without noise: every pixel is exactly the glyph color or the background (legible text)", () => {
    const plain = worldConfig({ noiseProbability: 0 });
    for (let seed = 0; seed < 300; seed++) {
      const scene = sampleTextScene(seededRng(seed), plain);
      expect(maxChannelError(scene), `${scene.text} at ${scene.x},${scene.y}`).toBe(0);
      // legible: the text fits inside the image, and every glyph has lit pixels in its own cell
      expect(scene.x + ([...scene.text].length * GLYPH_ADVANCE - 1) * scene.scale).toBeLessThanOrEqual(S);
      expect(scene.y + GLYPH_HEIGHT * scene.scale).toBeLessThanOrEqual(S);
      const img = renderScene(scene);
      [...scene.text].forEach((ch, k) => {
        let lit = 0;
        for (let y = scene.y; y < scene.y + GLYPH_HEIGHT * scene.scale; y++) {
          for (let x = scene.x + k * GLYPH_ADVANCE * scene.scale; x < scene.x + (k * GLYPH_ADVANCE + GLYPH_WIDTH) * scene.scale; x++) {
            if (img.data[(y * S + x) * 3] === scene.rgb[0] && img.data[(y * S + x) * 3 + 1] === scene.rgb[1]) lit++;
          }
        }
        expect(lit, `glyph ${ch} of ${scene.text}`).toBeGreaterThanOrEqual(7 * scene.scale * scene.scale);
      });
    }
  });

  it("shape scenes without noise: exactly background and mask pixels", () => {
    const plain = worldConfig({ noiseProbability: 0 });
    for (let seed = 0; seed < 300; seed++) expect(maxChannelError(sampleShapeScene(seededRng(seed), plain))).toBe(0);
  });

  it("noise moves no channel by more than the scene's amplitude (clamped), and does move some", () => {
    const noisy = worldConfig({ noiseProbability: 1 });
    for (let seed = 0; seed < 200; seed++) {
      const scene = seed % 2 ? sampleTextScene(seededRng(seed), noisy) : sampleShapeScene(seededRng(seed), noisy);
      expect(scene.noise).toBeGreaterThanOrEqual(noisy.noiseMin);
      const err = maxChannelError(scene);
      expect(err).toBeLessThanOrEqual(scene.noise);
      expect(err).toBeGreaterThan(0);
    }
  });

  it("renders at the model size: S x S x 3 bytes", () => {
    const img = renderScene(sampleShapeScene(seededRng(3), worldConfig()));
    expect([img.width, img.height, img.data.length]).toEqual([S, S, S * S * 3]);
    const small = renderScene(sampleShapeScene(seededRng(3), worldConfig({ imageSize: 48, patchSize: 6 })));
    expect([small.width, small.data.length]).toEqual([48, 48 * 48 * 3]);
  });
});
