/**
 * segmentation_mask.test.ts — placing a decoded 64x64 mask on the image as big_vision does:
 *   - PIL's BILINEAR resize of float ("F") images against Pillow 12.3.0's own output
 *     (fixtures/pil-resize-float, made by make_fixture.py there): up, down, one axis, 1x1 (atol 1e-5);
 *   - the box convention int(loc / 1023 * size), invalid boxes, the > 0 threshold, the offset;
 *   - COCO uncompressed RLE (column-major, starting with 0s) round trips;
 *   - drawSegmentations fills masks translucently in the label colors, under the boxes.
 */
import { fileURLToPath } from "node:url";
import { readNpz } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { MASK_SIZE, PALETTE, type RgbImage, cocoRle, decodeMaskRle, drawDetections, drawSegmentations, encodeMaskRle, maskBox, placeMask, resizeFloatBilinear } from "../src/index.ts";

const pil = readNpz(fileURLToPath(new URL("../../../fixtures/pil-resize-float/pil_resize_float.npz", import.meta.url)));

describe("resizeFloatBilinear == Pillow BILINEAR on mode F", () => {
  it.each([...pil.keys()].filter((k) => k.includes("_to_")))("%s", (key) => {
    const [src, size] = key.split("_to_");
    const [w, h] = size.split("x").map(Number);
    const input = pil.get(src)!;
    const [ih, iw] = input.shape;
    const got = resizeFloatBilinear(input.toFloat32(), iw, ih, w, h);
    const want = pil.get(key)!.toFloat32();
    expect(got.length).toBe(want.length);
    let d = 0;
    for (let i = 0; i < got.length; i++) d = Math.max(d, Math.abs(got[i] - want[i]));
    console.log(`${key}: max |ours - PIL| ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-5);
  });

  it("keeps a constant image constant and refuses bad sizes", () => {
    expect(Array.from(resizeFloatBilinear(new Float32Array(6).fill(0.25), 3, 2, 7, 5)).every((v) => Math.abs(v - 0.25) < 1e-7)).toBe(true);
    expect(() => resizeFloatBilinear(new Float32Array(4), 2, 2, 0, 3)).toThrow(/outWidth must be a positive integer/);
    expect(() => resizeFloatBilinear(new Float32Array(3), 2, 2, 1, 1)).toThrow(/3 values for a 2x2 image/);
  });
});

describe("maskBox and placeMask (big_vision's placement)", () => {
  const size = { width: 300, height: 200 };

  it("box = int(loc / 1023 * size), y before x; empty or inverted boxes are null", () => {
    expect(maskBox([0, 0, 1023, 1023], size)).toEqual({ xmin: 0, ymin: 0, xmax: 300, ymax: 200 });
    expect(maskBox([100, 200, 300, 400], size)).toEqual({ xmin: Math.trunc((200 / 1023) * 300), ymin: 19, xmax: 117, ymax: 58 }); // 100/1023*200 = 19.55 -> 19
    expect(maskBox([300, 200, 100, 400], size)).toBeNull(); // ymax < ymin
    expect(maskBox([100, 200, 100, 400], size)).toBeNull(); // ymax == ymin
    expect(maskBox([100, 200, 102, 400], size)).toBeNull(); // valid locs, but y2 == y1 after int(): 19.55 and 19.94
  });

  it("a positive 64x64 mask fills exactly its box; a negative one fills nothing; > 0 is the threshold", () => {
    const locs = [100, 200, 600, 900];
    const box = maskBox(locs, size)!;
    const full = placeMask(new Float32Array(MASK_SIZE * MASK_SIZE).fill(0.5), locs, size);
    expect(full.box).toEqual(box);
    expect(full.area).toBe((box.xmax - box.xmin) * (box.ymax - box.ymin));
    expect(full.mask[box.ymin * 300 + box.xmin]).toBe(1);
    expect(full.mask[(box.ymax - 1) * 300 + box.xmax - 1]).toBe(1);
    expect(full.mask[(box.ymin - 1) * 300 + box.xmin]).toBe(0);
    expect(full.mask[box.ymin * 300 + box.xmax]).toBe(0);
    expect(placeMask(new Float32Array(MASK_SIZE * MASK_SIZE).fill(-0.1), locs, size).area).toBe(0);
    expect(placeMask(new Float32Array(MASK_SIZE * MASK_SIZE), locs, size).area).toBe(0); // exactly 0 is outside
  });

  it("the left half of the canvas lands on the left half of the box (resize, then offset)", () => {
    const m = new Float32Array(MASK_SIZE * MASK_SIZE);
    for (let y = 0; y < MASK_SIZE; y++) for (let x = 0; x < MASK_SIZE; x++) m[y * MASK_SIZE + x] = x < 32 ? 1 : -1;
    const size2 = { width: 1023, height: 1023 }; // loc v -> pixel v
    const placed = placeMask(m, [10, 100, 74, 228], size2); // a 128 x 64 box: every canvas column becomes 2
    expect(placed.box).toEqual({ xmin: 100, ymin: 10, xmax: 228, ymax: 74 });
    const row = Array.from(placed.mask.subarray(40 * 1023 + 100, 40 * 1023 + 228));
    expect(row.indexOf(0)).toBe(64);
    expect(row.slice(0, 64).every((v) => v === 1) && row.slice(64).every((v) => v === 0)).toBe(true);
    expect(placed.area).toBe(64 * 64);
    const inverted = placeMask(m, [300, 100, 10, 228], size2);
    expect([inverted.box, inverted.area, inverted.mask.length, inverted.mask.some((v) => v !== 0)]).toEqual([null, 0, 1023 * 1023, false]);
    expect(() => placeMask(new Float32Array(10), [0, 0, 1, 1], size2)).toThrow(/64x64 mask/);
  });
});

describe("COCO RLE", () => {
  it("hand values: column-major runs starting with 0s", () => {
    expect(encodeMaskRle(Uint8Array.from([0, 1, 0, 1]), 2, 2)).toEqual({ size: [2, 2], counts: [2, 2] });
    expect(encodeMaskRle(Uint8Array.from([1, 1, 0, 0, 0, 1]), 3, 2)).toEqual({ size: [2, 3], counts: [0, 1, 1, 1, 2, 1] }); // columns [1,0], [1,0], [0,1] read down: 1 0 1 0 0 1
    expect(encodeMaskRle(new Uint8Array(6), 3, 2)).toEqual({ size: [2, 3], counts: [6] });
  });
  it("cocoRle: the same runs, tagged for JSON", () => {
    expect(cocoRle(Uint8Array.from([1, 1, 0, 0, 0, 1]), 3, 2)).toEqual({ format: "coco-rle", size: [2, 3], counts: [0, 1, 1, 1, 2, 1] });
    expect(decodeMaskRle(cocoRle(Uint8Array.from([0, 1, 0, 1]), 2, 2))).toEqual(Uint8Array.from([0, 1, 0, 1]));
  });
  it("round trips a placed mask and refuses counts of the wrong total", () => {
    const m = new Float32Array(MASK_SIZE * MASK_SIZE).map((_, i) => Math.sin(i * 0.37) + Math.cos(i * 0.011));
    const placed = placeMask(m, [50, 60, 900, 700], { width: 97, height: 61 });
    const rle = encodeMaskRle(placed.mask, 97, 61);
    expect(rle.counts.reduce((a, b) => a + b, 0)).toBe(97 * 61);
    expect(decodeMaskRle(rle)).toEqual(placed.mask);
    expect(() => decodeMaskRle({ size: [2, 2], counts: [1, 2] })).toThrow(/add up to 3, expected 2 x 2 = 4/);
  });
});

describe("drawSegmentations", () => {
  const img: RgbImage = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3).fill(100) };
  const mask = new Uint8Array(40 * 30);
  for (let y = 10; y < 20; y++) for (let x = 10; x < 30; x++) mask[y * 40 + x] = 1;
  const objects = [{ label: "cat", box: { xmin: 5, ymin: 5, xmax: 35, ymax: 25 }, mask }, { label: "dog", box: { xmin: 0, ymin: 0, xmax: 4, ymax: 4 }, mask: null }];
  const out = drawSegmentations(img, objects, 0.5);
  const px = (x: number, y: number) => [...out.data.subarray((y * 40 + x) * 3, (y * 40 + x) * 3 + 3)];

  it("blends the mask in the label's color, leaves other pixels, draws the boxes on top like drawDetections", () => {
    expect(px(15, 15)).toEqual(PALETTE[0].map((c) => Math.round(0.5 * 100 + 0.5 * c)));
    expect(px(32, 22)).toEqual([100, 100, 100]); // inside the box, outside the mask
    const boxesOnly = drawDetections(img, objects);
    expect(px(20, 5)).toEqual([...boxesOnly.data.subarray((5 * 40 + 20) * 3, (5 * 40 + 20) * 3 + 3)]); // the box's top edge
    expect(img.data.every((v) => v === 100)).toBe(true);
  });
});
