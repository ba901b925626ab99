// The pixel limit: every decoder refuses a declared size over maxPixels from the header, before
// allocating (the hostile-user probe's files: a 69-byte PNG claiming 30000 x 30000, a 1.5 KB JPEG
// claiming 65535 x 65535, a zlib bomb, a fuzzed TIFF), the option to raise it, PIL's "warn" policy,
// and zlib bombs that stop at the bound the header allows (memory measured in a child process).
import { readFileSync } from "node:fs";
import { ArgumentError, PaliGemmaError, runIsolated } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { ImageDecodeError, ImageTooLargeError, MAX_IMAGE_PIXELS, encodeImage, loadImage } from "../src/index.ts";
import { JPEG_VECTORS } from "./jpeg_vectors.ts";
import { bmpHeader, gifWithFrame, pngHeaderOnly, tiffHeaderOnly, zlibBombPng } from "./hostile_images.ts";
import { pattern } from "./test_images.ts";

async function refusal(bytes: Uint8Array, options = {}): Promise<ImageTooLargeError> {
  const err = await loadImage(bytes, options).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ImageTooLargeError);
  expect(err).toBeInstanceOf(ImageDecodeError);
  expect(err).toBeInstanceOf(PaliGemmaError);
  return err as ImageTooLargeError;
}

const jpeg = Buffer.from(JPEG_VECTORS.base422.jpeg, "base64");
/** A real JPEG whose SOF now declares width x height (and, optionally, another SOF marker). */
function jpegDeclaring(width: number, height: number, source: Uint8Array = jpeg): Buffer {
  const b = Buffer.from(source);
  let sof = -1;
  for (const m of [0xc0, 0xc2, 0xc9, 0xca]) if (sof < 0) sof = b.indexOf(Buffer.from([0xff, m]));
  b.writeUInt16BE(height, sof + 5);
  b.writeUInt16BE(width, sof + 7);
  return b;
}

describe("the default limit is PIL's MAX_IMAGE_PIXELS, checked from the header of every format", () => {
  it("MAX_IMAGE_PIXELS = 89,478,485 (PIL's Image.MAX_IMAGE_PIXELS)", () => {
    expect(MAX_IMAGE_PIXELS).toBe(Math.floor((1024 * 1024 * 1024) / 4 / 3));
  });

  it("a 69-byte PNG declaring 30000 x 30000 is refused naming the file, the size and the limit", async () => {
    const png = pngHeaderOnly(30000, 30000);
    expect(png.length).toBeLessThan(70);
    const err = await refusal(png);
    expect([err.width, err.height, err.limit]).toEqual([30000, 30000, MAX_IMAGE_PIXELS]);
    expect(err.code).toBe("E_IMAGE_TOO_LARGE");
    expect(err.message).toMatch(/<buffer>: PNG header declares 30000 x 30000 = 900000000 pixels, more than the limit of 89478485/);
    expect(err.message).toMatch(/pass \{ maxPixels \}/);
    expect((await refusal(pngHeaderOnly(1, 1e9))).height).toBe(1e9);
  });

  it("a JPEG whose frame header says 65535 x 65535 is refused before its coefficients are allocated", async () => {
    const err = await refusal(jpegDeclaring(65535, 65535));
    expect(err.message).toMatch(/JPEG header declares 65535 x 65535/);
    // Progressive and arithmetic-coded frames too.
    const pil = (name: string) => readFileSync(new URL(`./pil/files/${name}`, import.meta.url));
    for (const name of ["arith_progressive.jpg", "arith_420.jpg", "cmyk_adobe.jpg"]) await refusal(jpegDeclaring(65535, 65535, pil(name)));
    const prog = Buffer.from(JPEG_VECTORS.prog420.jpeg, "base64");
    await refusal(jpegDeclaring(40000, 40000, prog));
  });

  it("GIF: the logical screen, and a first frame that would grow the canvas", async () => {
    expect((await refusal(gifWithFrame(65535, 65535, 1, 1))).message).toMatch(/GIF header declares 65535 x 65535/);
    expect((await refusal(gifWithFrame(2, 2, 65535, 65535))).message).toMatch(/GIF header declares 65535 x 65535/);
  });

  it("BMP (width, |height| as bmp-ts reads them) and TIFF (IFD0, and a tile size) are refused from the header", async () => {
    expect((await refusal(bmpHeader(100000, -100000))).message).toMatch(/BMP header declares 100000 x 100000/);
    expect((await refusal(tiffHeaderOnly(48, 4915240))).message).toMatch(/TIFF header declares 48 x 4915240/);
    expect((await refusal(tiffHeaderOnly(8, 8, { tile: [65536, 65536] }))).message).toMatch(/TIFF tile header declares 65536 x 65536/);
  });

  it("a BMP color table of 0x0D000000 entries is refused before bmp-ts allocates for it (found by fuzz_images)", async () => {
    const b = bmpHeader(2, 2);
    b.writeUInt16LE(8, 28); // 8 bits per pixel
    b.writeUInt32LE(0x0d000000, 46); // colors used
    const err = await loadImage(b).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as Error).message).toMatch(/unsupported BMP: unsupported BMP palette size \(218103808 colors\)/);
    b.writeUInt32LE(200, 46); // 200 colors, but the file ends after the header
    await expect(loadImage(b)).rejects.toThrow(/the 200-color table runs past the end/);
  });

  it("a file path's refusal names the file", async () => {
    const p = new URL("./pil/files/gray16.png", import.meta.url).pathname;
    const err = await loadImage(p, { maxPixels: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageTooLargeError);
    expect((err as ImageTooLargeError).file).toBe(p);
    expect((err as Error).message).toContain(`${p}: PNG header declares 16 x 8 = 128 pixels, more than the limit of 100`);
  });
});

describe("options", () => {
  const small = pattern(12, 10); // 120 pixels
  it("maxPixels lowers or raises the limit; Infinity turns it off", async () => {
    const png = await encodeImage(small, "image/png");
    await refusal(png, { maxPixels: 119 });
    expect((await loadImage(png, { maxPixels: 120 })).width).toBe(12);
    // Raised: a header over the default passes the check and fails later, on the missing data.
    const err = await loadImage(pngHeaderOnly(10000, 10000), { maxPixels: 1e8 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect(err).not.toBeInstanceOf(ImageTooLargeError);
    expect((await loadImage(png, { maxPixels: Infinity })).height).toBe(10);
  });

  it('largeImages: "warn" is PIL\'s policy: a warning above maxPixels, a refusal above twice it', async () => {
    const png = await encodeImage(small, "image/png");
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on("warning", onWarning);
    try {
      expect((await loadImage(png, { maxPixels: 100, largeImages: "warn" })).width).toBe(12);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.map((w) => w.name)).toEqual(["DecompressionBombWarning"]);
    expect(warnings[0].message).toMatch(/12 x 10 = 120 pixels exceeds the limit of 100/);
    const err = await refusal(png, { maxPixels: 59, largeImages: "warn" });
    expect(err.limit).toBe(118); // the hard refusal sits at twice the limit
  });

  it("bad option values are ArgumentErrors naming the option", async () => {
    await expect(loadImage(new Uint8Array(10), { maxPixels: 0 })).rejects.toThrow(ArgumentError);
    await expect(loadImage(new Uint8Array(10), { maxPixels: Number.NaN })).rejects.toThrow(/maxPixels/);
    await expect(loadImage(new Uint8Array(10), { largeImages: "ignore" as "warn" })).rejects.toThrow(/largeImages/);
  });
});

describe("zlib bombs stop at the bound the header allows", () => {
  it("a PNG over the limit whose IDAT would inflate to 20000 x 20000 is refused without inflating", async () => {
    expect((await refusal(zlibBombPng(20000, 20000, 1 << 20))).message).toMatch(/20000 x 20000/);
  });

  it.each([0, 1])("a 512 x 512 PNG (interlace %i) whose IDAT inflates to 512 MiB decodes (extra data ignored, like PIL) in bounded memory", (interlace) => {
    // In a fresh process, so the peak memory belongs to this decode alone. (jimp's pngjs inflated
    // interlaced PNGs without any bound.)
    const r = runIsolated<{ width: number; sum: number; inputBytes: number }>(new URL("./hostile_images.ts", import.meta.url).href, "decodeBomb", [512, 512, 512, interlace], { timeoutMs: 120_000 });
    expect(r.error).toBeUndefined();
    expect(r.hung || r.crashed).toBe(false);
    console.log(`zlib bomb: ${r.value?.inputBytes} compressed bytes -> 512 MiB of zeros; decoded ${r.value?.width} px wide, child peak RSS ${r.maxRssMb?.toFixed(0)} MB`);
    expect(r.value?.width).toBe(512);
    expect(r.value?.sum).toBe(0);
    expect(r.maxRssMb).toBeLessThan(300); // inflating all of it would need 512 MiB or more
  });
});
