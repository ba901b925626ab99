// PIL-compatible bicubic resize: the kernel, the coefficient tables, and properties of the output.
// Exactness against PIL itself is tested on real photos in image_processor.test.ts.
import { describe, expect, it } from "vitest";
import { type RgbImage, bicubicFilter, precomputeCoeffs, resizeBicubic } from "../src/index.ts";
import { pattern } from "./test_images.ts";

describe("bicubic kernel (a = -0.5)", () => {
  it("interpolates: w(0) = 1, w(+-1) = w(+-2) = 0, and the known value w(0.5) = 0.5625", () => {
    expect(bicubicFilter(0)).toBe(1);
    expect(Math.abs(bicubicFilter(1))).toBe(0);
    expect(Math.abs(bicubicFilter(-1))).toBe(0);
    expect(Math.abs(bicubicFilter(2))).toBe(0);
    expect(bicubicFilter(0.5)).toBe(0.5625);
    expect(bicubicFilter(1.5)).toBe(-0.0625);
    expect(bicubicFilter(-1.5)).toBe(-0.0625);
  });
});

describe("precomputeCoeffs", () => {
  it("fixed-point weights of every output sum to 2^22 (+- rounding) and stay inside the input", () => {
    for (const [inSize, outSize] of [[451, 224], [300, 448], [640, 224], [7, 3], [3, 7], [1, 224]]) {
      const c = precomputeCoeffs(inSize, outSize);
      for (let o = 0; o < outSize; o++) {
        let s = 0;
        for (let t = 0; t < c.count[o]; t++) s += c.weights[o * c.ksize + t];
        expect(Math.abs(s - 2 ** 22)).toBeLessThanOrEqual(c.count[o]);
        expect(c.start[o]).toBeGreaterThanOrEqual(0);
        expect(c.start[o] + c.count[o]).toBeLessThanOrEqual(inSize);
      }
    }
  });

  it("downscaling widens the support by the scale factor (antialiasing); upscaling keeps 4 taps", () => {
    const down = precomputeCoeffs(640, 224); // scale 2.857: support 5.71, taps ~ 2 * 5.71
    expect(down.ksize).toBe(2 * Math.ceil(2 * (640 / 224)) + 1);
    expect(Math.max(...down.count)).toBeGreaterThanOrEqual(11);
    const up = precomputeCoeffs(100, 300);
    expect(Math.max(...up.count)).toBe(4);
  });
});

describe("resizeBicubic", () => {
  it("returns an unchanged copy when the size already matches (no resampling)", () => {
    const img = pattern(56, 56);
    const out = resizeBicubic(img, 56, 56);
    expect(out.data).toEqual(img.data);
    expect(out.data).not.toBe(img.data);
  });

  it("keeps a constant image constant at any size", () => {
    const flat: RgbImage = { width: 13, height: 9, data: new Uint8Array(13 * 9 * 3).fill(77) };
    for (const [w, h] of [[224, 224], [5, 4], [13, 30], [40, 9]]) {
      const out = resizeBicubic(flat, w, h);
      expect(out.data.every((v) => v === 77)).toBe(true);
    }
  });

  it("upscaling an extreme edge overshoots and is clipped to 0..255, as in PIL", () => {
    const edge: RgbImage = { width: 4, height: 1, data: Uint8Array.from([0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]) };
    const out = resizeBicubic(edge, 16, 1);
    const r = Array.from({ length: 16 }, (_, i) => out.data[i * 3]);
    expect(Math.min(...r)).toBe(0);
    expect(Math.max(...r)).toBe(255);
    for (let i = 1; i < 16; i++) expect(r[i]).toBeGreaterThanOrEqual(r[i - 1]); // clipped ringing keeps it monotone here
  });

  it("a 2x downscale of a 2-pixel-period stripe pattern averages to flat gray (antialiasing)", () => {
    const w = 64;
    const stripes: RgbImage = { width: w, height: 8, data: Uint8Array.from({ length: w * 8 * 3 }, (_, i) => (Math.floor(i / 3) % 2 ? 200 : 0)) };
    const out = resizeBicubic(stripes, w / 2, 8);
    // Away from the borders every output pixel sees both phases equally.
    for (let x = 4; x < w / 2 - 4; x++) expect(Math.abs(out.data[(2 * (w / 2) + x) * 3] - 100)).toBeLessThanOrEqual(1);
  });

  it("only one pass runs when one dimension is unchanged", () => {
    const img = pattern(20, 10);
    const wide = resizeBicubic(img, 40, 10);
    const tall = resizeBicubic(img, 20, 25);
    expect([wide.width, wide.height, tall.width, tall.height]).toEqual([40, 10, 20, 25]);
    // Column 0 of the horizontal-only resize depends only on row 0's pixels: rows stay independent.
    expect(wide.data[0]).toBe(resizeBicubic({ width: 20, height: 1, data: img.data.slice(0, 60) }, 40, 1).data[0]);
  });

  it("rejects bad sizes and inconsistent data", () => {
    expect(() => resizeBicubic(pattern(4, 4), 0, 4)).toThrow(/width/);
    expect(() => resizeBicubic(pattern(4, 4), 4, 2.5)).toThrow(/height/);
    expect(() => resizeBicubic({ width: 4, height: 4, data: new Uint8Array(3) }, 2, 2)).toThrow(/bytes/);
  });
});
