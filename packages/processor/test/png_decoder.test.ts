// png_decoder.ts: the error paths PIL also takes (its pixels are checked in pil_parity.test.ts),
// each a PngError, seen through loadImage as an ImageDecodeError naming the file.
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ImageDecodeError, loadImage } from "../src/index.ts";
import { PngError, decodePng, readPngHeader } from "../src/png_decoder.ts";
import { pixelLimit } from "../src/image_limits.ts";
import { encodePng } from "./test_images.ts";

const limit = pixelLimit("<test>");
const gray = (rows: Uint8Array[]) => encodePng({ width: rows[0].length, height: rows.length, colorType: 0, samples: Uint8Array.from(rows.flatMap((r) => [...r])) });
const idatOf = (png: Uint8Array) => {
  const b = Buffer.from(png);
  const at = b.indexOf("IDAT");
  return { b, at, len: b.readUInt32BE(at - 4) };
};
/** Replace the IDAT payload of `png` (CRC is not re-computed: PIL does not check it either). */
function withIdat(png: Uint8Array, payload: Uint8Array): Buffer {
  const { b, at, len } = idatOf(png);
  const head = Buffer.from(b.subarray(0, at - 4));
  const size = Buffer.alloc(4);
  size.writeUInt32BE(payload.length);
  return Buffer.concat([head, size, Buffer.from("IDAT"), payload, Buffer.alloc(4), b.subarray(at + 4 + len + 4)]);
}

describe("decodePng errors", () => {
  const rows = [Uint8Array.of(1, 2, 3), Uint8Array.of(4, 5, 6), Uint8Array.of(7, 8, 9)];
  const png = gray(rows);
  const raw = Uint8Array.from([0, 1, 2, 3, 0, 4, 5, 6, 0, 7, 8, 9]);

  it("decodes the plain file", async () => {
    expect([...(await decodePng(png, limit)).data.filter((_, i) => i % 3 === 0)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("a stream that ends after complete rows leaves the rest 0; one that ends inside a row is truncated", async () => {
    const short = await decodePng(withIdat(png, deflateSync(raw.subarray(0, 8))), limit);
    expect([...short.data.filter((_, i) => i % 3 === 0)]).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0]);
    await expect(decodePng(withIdat(png, deflateSync(raw.subarray(0, 6))), limit)).rejects.toThrow(/image file is truncated/);
    await expect(decodePng(withIdat(png, deflateSync(new Uint8Array(0))), limit)).rejects.toThrow(/image file is truncated/);
    const cut = deflateSync(raw);
    await expect(decodePng(withIdat(png, cut.subarray(0, 5)), limit)).rejects.toThrow(PngError);
  });

  it("a filter byte above 4, corrupt zlib data, a bad IHDR and a bad CRC before IDAT", async () => {
    const badFilter = Uint8Array.from(raw);
    badFilter[4] = 7;
    await expect(decodePng(withIdat(png, deflateSync(badFilter)), limit)).rejects.toThrow(/invalid filter type 7 in row 1/);
    await expect(decodePng(withIdat(png, Uint8Array.of(1, 2, 3, 4)), limit)).rejects.toThrow(/corrupt image data \(zlib/);
    const badDepth = Buffer.from(png);
    badDepth[24] = 3; // bit depth 3
    expect(() => readPngHeader(badDepth)).toThrow(/invalid bit depth 3 for color type 0/);
    const palette = encodePng({ width: 1, height: 1, colorType: 3, samples: Uint8Array.of(0), palette: Uint8Array.of(1, 2, 3) });
    const badCrc = Buffer.from(palette);
    badCrc[badCrc.indexOf("PLTE") + 4] ^= 0xff;
    await expect(decodePng(badCrc, limit)).rejects.toThrow(/bad CRC in "PLTE"/);
  });

  it("through loadImage the error is an ImageDecodeError with the PngError as cause", async () => {
    const err = await loadImage(withIdat(png, Uint8Array.of(1, 2, 3, 4))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as Error).message).toMatch(/^cannot decode image <buffer>: corrupt or truncated PNG/);
    expect((err as ImageDecodeError).cause).toBeInstanceOf(PngError);
  });
});
