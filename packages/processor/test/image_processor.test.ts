// pixel_values against Hugging Face / PIL: fixtures/processor/pixel_values.safetensors holds
// SiglipImageProcessor-style outputs (PIL bicubic resize, /255, (x-0.5)/0.5, CHW) of fixtures/images.
// Required: |diff| <= 1 level (2/255 after normalization) at >= 99.9% of positions, <= 3 levels anywhere.
import { readFileSync } from "node:fs";
import { SafetensorsFile } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { loadImage, preprocessImages, type RgbImage } from "../src/index.ts";

const fixtures = new URL("../../../fixtures/", import.meta.url);
const golden = JSON.parse(readFileSync(new URL("processor/golden.json", fixtures), "utf8")) as {
  images: { file: string; size: number; tensor: string }[];
};
const pixels = SafetensorsFile.open(new URL("processor/pixel_values.safetensors", fixtures).pathname);

/** One 8-bit level after normalization: (1/255) / 0.5. */
const LEVEL = 2 / 255;

describe("pixel_values match PIL (SiglipImageProcessor)", () => {
  it.each(golden.images)("$file at $size", async ({ file, size, tensor }) => {
    const img = await loadImage(new URL(`images/${file}`, fixtures).pathname);
    const ours = preprocessImages([img], size);
    const ref = pixels.read(tensor);
    expect(ours.shape).toEqual([1, 3, size, size]);
    expect(ref.shape).toEqual([3, size, size]);
    const a = ours.data as Float32Array;
    const b = ref.toFloat32();
    let within1 = 0;
    let maxAbs = 0;
    for (let i = 0; i < b.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      maxAbs = Math.max(maxAbs, d);
      if (d <= LEVEL + 1e-6) within1++;
    }
    const frac = within1 / b.length;
    const maxLevels = maxAbs / LEVEL;
    console.log(`${tensor} (${img.width}x${img.height} -> ${size}): ${(100 * frac).toFixed(4)}% within 1 level, max |diff| ${maxAbs.toExponential(2)} = ${maxLevels.toFixed(3)} levels`);
    expect(frac).toBeGreaterThanOrEqual(0.999);
    expect(maxLevels).toBeLessThanOrEqual(3 + 1e-3);
  });
});

describe("preprocessImages", () => {
  const fromTiny = async (model: string, key: string, size: number) => {
    // The tiny models' image.png is already at the model's size: no resampling, so exact.
    const img = await loadImage(new URL(`${model}/image.png`, fixtures).pathname);
    expect([img.width, img.height]).toEqual([size, size]);
    const ours = preprocessImages([img], size);
    const ref = SafetensorsFile.open(new URL(`${model}/golden.safetensors`, fixtures).pathname).read(key);
    expect(ours.shape).toEqual(ref.shape);
    const a = ours.data as Float32Array;
    const b = ref.toFloat32();
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
    console.log(`${model} pixel_values: max |diff| ${m}`);
    expect(m).toBeLessThanOrEqual(1e-6);
  };
  it("an image already at the target size is not resampled (paligemma-tiny, 56)", () => fromTiny("paligemma-tiny", "pixel_values", 56));
  it("an image already at the target size is not resampled (paligemma2-tiny, 28)", () => fromTiny("paligemma2-tiny", "pixel_values", 28));

  it("stacks a batch [B, 3, S, S] whose rows equal single-image calls; values in [-1, 1]", async () => {
    const a = await loadImage(new URL("images/chelsea.png", fixtures).pathname);
    const b = await loadImage(new URL("images/rocket.jpg", fixtures).pathname);
    const batch = preprocessImages([a, b, a], 224);
    expect(batch.shape).toEqual([3, 3, 224, 224]);
    const one = preprocessImages([b], 224).data as Float32Array;
    const row1 = (batch.data as Float32Array).subarray(3 * 224 * 224, 6 * 224 * 224);
    expect(row1).toEqual(one);
    expect(row1.every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it("supports the released sizes 224, 448 and 896 (CHW layout: channel planes)", () => {
    const img: RgbImage = { width: 3, height: 2, data: Uint8Array.from([255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0]) };
    for (const size of [224, 448, 896]) {
      const t = preprocessImages([img], size);
      expect(t.shape).toEqual([1, 3, size, size]);
      const d = t.data as Float32Array;
      expect([d[0], d[size * size], d[2 * size * size]]).toEqual([1, -1, -1]); // red plane +1, green/blue -1
    }
  });

  it("rejects an empty batch, a bad size and malformed images", () => {
    expect(() => preprocessImages([], 224)).toThrow(/no images/);
    expect(() => preprocessImages([{ width: 1, height: 1, data: Uint8Array.of(1, 2, 3) }], 0)).toThrow(/size/);
    expect(() => preprocessImages([{ width: 2, height: 1, data: Uint8Array.of(1, 2, 3) }], 8)).toThrow(/image 0/);
  });
});
