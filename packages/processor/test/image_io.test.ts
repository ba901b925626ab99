// Image decoding and encoding: every format, color modes -> RGB, EXIF, broken files, extreme sizes.
// Test files are generated into a temp dir (hand-written PNG/GIF bytes, jimp encoders for BMP/TIFF/JPEG).
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PaliGemmaError } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import {
  ImageDecodeError,
  ImageEncodeError,
  type RgbImage,
  applyExifOrientation,
  encodeImage,
  loadImage,
  preprocessImages,
  readExifOrientation,
  saveImage,
  imageMimeForPath,
} from "../src/index.ts";
import { encodeGif, encodePng, exifBlock, maxAbsDiff, pattern, withExifOrientation } from "./test_images.ts";

const dir = mkdtempSync(join(tmpdir(), "processor-image-io-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, bytes: Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const fixture = (name: string) => new URL(`../../../fixtures/images/${name}`, import.meta.url).pathname;

const img = pattern(37, 23); // odd sizes exercise partial JPEG blocks and row padding

describe("formats: PNG, JPEG, BMP, GIF, TIFF from a path or a buffer", () => {
  it.each(["png", "bmp", "tiff"] as const)("%s round-trips exactly (lossless)", async (ext) => {
    const bytes = await encodeImage(img, `image/${ext}`);
    const fromPath = await loadImage(write(`pattern.${ext}`, bytes));
    const fromBuffer = await loadImage(bytes);
    expect([fromPath.width, fromPath.height]).toEqual([37, 23]);
    expect(maxAbsDiff(fromPath.data, img.data)).toBe(0);
    expect(maxAbsDiff(fromBuffer.data, img.data)).toBe(0);
  });

  it("jpeg decodes close to the source (lossy, quality 95): max |diff| <= 12, mean <= 1.5", async () => {
    const bytes = await encodeImage(img, "image/jpeg");
    const out = await loadImage(write("pattern.jpg", bytes));
    expect([out.width, out.height]).toEqual([37, 23]);
    let sum = 0;
    for (let i = 0; i < out.data.length; i++) sum += Math.abs(out.data[i] - img.data[i]);
    const mean = sum / out.data.length;
    console.log(`jpeg round trip: max |diff| ${maxAbsDiff(out.data, img.data)}, mean ${mean.toFixed(3)}`);
    expect(maxAbsDiff(out.data, img.data)).toBeLessThanOrEqual(12);
    expect(mean).toBeLessThanOrEqual(1.5);
  });

  it("gif: a palette image decodes to its palette colors, and only the first frame is used", async () => {
    const palette = new Uint8Array(768);
    palette.set([255, 0, 0, 0, 255, 0, 0, 0, 255, 250, 250, 10]);
    const w = 40;
    const h = 30; // 1200 pixels: several LZW clear codes
    const first = Uint8Array.from({ length: w * h }, (_, i) => (i % w) % 4);
    const second = new Uint8Array(w * h).fill(2);
    const out = await loadImage(write("two_frames.gif", encodeGif(w, h, palette, [first, second])));
    expect([out.width, out.height]).toEqual([w, h]);
    for (let i = 0; i < w * h; i++) expect([...out.data.subarray(i * 3, i * 3 + 3)]).toEqual([...palette.subarray(first[i] * 3, first[i] * 3 + 3)]);
  });

  it("gif written by saveImage (jimp quantizes to 256 colors) reads back at the right size", async () => {
    const p = join(dir, "saved.gif");
    await saveImage(img, p);
    const out = await loadImage(p);
    expect([out.width, out.height]).toEqual([37, 23]);
    expect(maxAbsDiff(out.data, img.data)).toBeLessThanOrEqual(48); // quantization error bound
  });

  it("the format is recognized by content, not by the file extension", async () => {
    const out = await loadImage(write("actually_a_png.jpg", await encodeImage(img, "image/png")));
    expect(maxAbsDiff(out.data, img.data)).toBe(0);
  });
});

describe("color modes become RGB like PIL's convert('RGB')", () => {
  const w = 5;
  const h = 3;
  it("grayscale replicates L into R, G, B", async () => {
    const gray = Uint8Array.from({ length: w * h }, (_, i) => i * 17);
    const out = await loadImage(encodePng({ width: w, height: h, colorType: 0, samples: gray }));
    for (let i = 0; i < w * h; i++) expect([...out.data.subarray(i * 3, i * 3 + 3)]).toEqual([gray[i], gray[i], gray[i]]);
  });

  it("RGBA drops alpha without compositing (transparent pixels keep their RGB)", async () => {
    const rgba = Uint8Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? (i * 7) % 256 : (i * 31) % 256));
    const out = await loadImage(encodePng({ width: w, height: h, colorType: 6, samples: rgba }));
    for (let i = 0; i < w * h; i++) expect([...out.data.subarray(i * 3, i * 3 + 3)]).toEqual([...rgba.subarray(i * 4, i * 4 + 3)]);
  });

  it("grayscale + alpha drops alpha", async () => {
    const la = Uint8Array.from({ length: w * h * 2 }, (_, i) => (i % 2 ? 0 : i * 8));
    const out = await loadImage(encodePng({ width: w, height: h, colorType: 4, samples: la }));
    for (let i = 0; i < w * h; i++) expect([...out.data.subarray(i * 3, i * 3 + 3)]).toEqual([la[2 * i], la[2 * i], la[2 * i]]);
  });

  it("palette (with a tRNS transparency entry) maps to the palette RGB, transparency ignored", async () => {
    const palette = Uint8Array.from([10, 20, 30, 200, 100, 0, 0, 255, 128]);
    const idx = Uint8Array.from({ length: w * h }, (_, i) => i % 3);
    const out = await loadImage(encodePng({ width: w, height: h, colorType: 3, samples: idx, palette, transparency: Uint8Array.from([0]) }));
    for (let i = 0; i < w * h; i++) expect([...out.data.subarray(i * 3, i * 3 + 3)]).toEqual([...palette.subarray(idx[i] * 3, idx[i] * 3 + 3)]);
  });
});

describe("EXIF orientation: left as-is by default, applied on request", () => {
  // A 3x2 image whose pixels are numbered 0..5 in the red channel.
  const small: RgbImage = { width: 3, height: 2, data: Uint8Array.from([0, 0, 0, 1, 0, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0]) };
  const reds = (im: RgbImage) => Array.from({ length: im.width * im.height }, (_, i) => im.data[i * 3]);
  // Expected layouts (rows top to bottom) for 0 1 2 / 3 4 5, as PIL's ImageOps.exif_transpose gives them.
  const expected: Record<number, [number, number, number[]]> = {
    1: [3, 2, [0, 1, 2, 3, 4, 5]],
    2: [3, 2, [2, 1, 0, 5, 4, 3]], // mirror left-right
    3: [3, 2, [5, 4, 3, 2, 1, 0]], // rotate 180
    4: [3, 2, [3, 4, 5, 0, 1, 2]], // mirror top-bottom
    5: [2, 3, [0, 3, 1, 4, 2, 5]], // transpose
    6: [2, 3, [3, 0, 4, 1, 5, 2]], // rotate 90 clockwise
    7: [2, 3, [5, 2, 4, 1, 3, 0]], // transverse
    8: [2, 3, [2, 5, 1, 4, 0, 3]], // rotate 90 counter-clockwise
  };
  it.each(Object.keys(expected).map(Number))("orientation %i", (o) => {
    const out = applyExifOrientation(small, o);
    const [ew, eh, px] = expected[o];
    expect([out.width, out.height]).toEqual([ew, eh]);
    expect(reds(out)).toEqual(px);
  });

  it("a JPEG tagged orientation 6 loads unrotated by default and rotated with applyExifOrientation", async () => {
    const jpeg = withExifOrientation(await encodeImage(img, "image/jpeg"), 6);
    expect(readExifOrientation(jpeg)).toBe(6);
    const p = write("rotated.jpg", jpeg);
    const plain = await loadImage(p);
    const upright = await loadImage(p, { applyExifOrientation: true });
    expect([plain.width, plain.height]).toEqual([37, 23]);
    expect([upright.width, upright.height]).toEqual([23, 37]);
    expect(maxAbsDiff(upright.data, applyExifOrientation(plain, 6).data)).toBe(0);
  });

  it("PNG eXIf chunk is honoured too; files without EXIF read as orientation 1", async () => {
    const png = encodePng({ width: 5, height: 3, colorType: 2, samples: pattern(5, 3).data, exif: exifBlock(8) });
    expect(readExifOrientation(png)).toBe(8);
    expect((await loadImage(png, { applyExifOrientation: true })).width).toBe(3);
    expect(readExifOrientation(readFileSync(fixture("rocket.jpg")))).toBe(1);
  });
});

describe("broken inputs throw ImageDecodeError naming the file", () => {
  it("a truncated JPEG", async () => {
    const bytes = readFileSync(fixture("rocket.jpg"));
    const p = write("truncated.jpg", bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await loadImage(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect(err).toBeInstanceOf(PaliGemmaError);
    expect((err as ImageDecodeError).file).toBe(p);
    expect((err as Error).message).toContain(p);
    expect((err as Error).message).toMatch(/truncated/);
  });

  it("a JPEG cut right after its headers", async () => {
    const bytes = readFileSync(fixture("rocket.jpg"));
    await expect(loadImage(bytes.subarray(0, 700))).rejects.toThrow(ImageDecodeError);
  });

  it("a non-image file", async () => {
    const p = write("notes.txt", new TextEncoder().encode("this is not an image\n"));
    const err = await loadImage(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as Error).message).toContain(p);
    expect((err as Error).message).toMatch(/not a PNG, JPEG, BMP, GIF or TIFF/);
  });

  it("a PNG with a corrupt body, an empty buffer and a missing file", async () => {
    const png = await encodeImage(img, "image/png");
    const broken = Uint8Array.from(png);
    broken.fill(0x55, 40, broken.length - 20);
    await expect(loadImage(write("broken.png", broken))).rejects.toThrow(/broken\.png/);
    await expect(loadImage(new Uint8Array(0))).rejects.toThrow(ImageDecodeError);
    await expect(loadImage(join(dir, "missing.png"))).rejects.toThrow(/missing\.png/);
  });
});

describe("extreme sizes", () => {
  it("a 1x1 image loads and resizes to a constant 224x224", async () => {
    const one: RgbImage = { width: 1, height: 1, data: Uint8Array.from([200, 30, 90]) };
    for (const mime of ["image/png", "image/bmp", "image/tiff"] as const) {
      const out = await loadImage(await encodeImage(one, mime));
      expect([out.width, out.height, ...out.data]).toEqual([1, 1, 200, 30, 90]);
    }
    const jpeg = await loadImage(await encodeImage(one, "image/jpeg"));
    expect([jpeg.width, jpeg.height]).toEqual([1, 1]);
    const px = preprocessImages([one], 224);
    expect(px.shape).toEqual([1, 3, 224, 224]);
    const d = px.data as Float32Array;
    const want = [200, 30, 90].map((v) => Math.fround((v / 255 - 0.5) / 0.5));
    let wrong = 0;
    for (let c = 0; c < 3; c++) for (let i = 0; i < 224 * 224; i++) if (d[c * 224 * 224 + i] !== want[c]) wrong++;
    expect(wrong).toBe(0);
  });

  it("a 4000x3000 JPEG decodes and preprocesses to [1, 3, 224, 224]", async () => {
    const big = pattern(4000, 3000);
    const p = write("big.jpg", await encodeImage(big, "image/jpeg"));
    const out = await loadImage(p);
    expect([out.width, out.height]).toEqual([4000, 3000]);
    let sum = 0;
    for (let i = 0; i < out.data.length; i++) sum += Math.abs(out.data[i] - big.data[i]);
    const mean = sum / out.data.length;
    console.log(`4000x3000 jpeg: mean |diff| to source ${mean.toFixed(3)} levels`);
    expect(mean).toBeLessThan(2);
    const px = preprocessImages([out], 224);
    expect(px.shape).toEqual([1, 3, 224, 224]);
    // Red ramps left to right: the first row of the red plane must increase across the image.
    const d = px.data as Float32Array;
    expect(d[0]).toBeLessThan(-0.95);
    expect(d[223]).toBeGreaterThan(0.95);
    for (let x = 1; x < 224; x++) expect(d[x]).toBeGreaterThanOrEqual(d[x - 1]);
  });
});

describe("saveImage", () => {
  it("writes PNG and BMP losslessly and JPEG close; the format follows the extension", async () => {
    for (const ext of ["png", "bmp", "tif"]) {
      const p = join(dir, `saved.${ext}`);
      await saveImage(img, p);
      expect(maxAbsDiff((await loadImage(p)).data, img.data)).toBe(0);
    }
    const p = join(dir, "saved.jpeg");
    await saveImage(img, p);
    expect(readFileSync(p).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
  });

  it("writes atomically: an overwrite replaces the file whole, a failed write leaves no temp file behind", async () => {
    const sub = mkdtempSync(join(dir, "atomic-"));
    const p = join(sub, "out.png");
    writeFileSync(p, "old");
    await saveImage(img, p);
    expect(maxAbsDiff((await loadImage(p)).data, img.data)).toBe(0);
    mkdirSync(join(sub, "taken.png")); // a folder where the file should go: the rename fails
    await expect(saveImage(img, join(sub, "taken.png"))).rejects.toThrow(/taken\.png/);
    await expect(saveImage(img, join(sub, "missing-dir", "x.png"))).rejects.toThrow(ImageEncodeError);
    expect(readdirSync(sub).sort()).toEqual(["out.png", "taken.png"]);
    expect(imageMimeForPath("a/b.JPG")).toBe("image/jpeg");
    expect(() => imageMimeForPath("a/b.webp")).toThrow(/unknown extension "\.webp"/);
  });

  it("rejects an unknown extension and an inconsistent image with ImageEncodeError", async () => {
    await expect(saveImage(img, join(dir, "out.webp"))).rejects.toThrow(ImageEncodeError);
    await expect(saveImage({ width: 2, height: 2, data: new Uint8Array(5) }, join(dir, "bad.png"))).rejects.toThrow(/bad\.png/);
  });
});
