/**
 * bmp_decoder.ts — BMP through jimp's codec (bmp-ts), with the pixel limit checked from the header first.
 *
 * Teaches: a BMP file is a 14-byte file header ("BM", file size, pixel data offset) and an info
 * header whose first field is its own size (40 for BITMAPINFOHEADER, up to 124 for V5), then
 *
 *   width (int32 at byte 18), height (int32 at byte 22; negative = rows stored top-down),
 *   planes, bits per pixel (1, 4, 8, 16, 24, 32), compression (0 none, 1/2 RLE8/RLE4, 3 bit fields)
 *
 * bmp-ts allocates width * |height| * 4 bytes before reading a single pixel, so the same two
 * fields, read the way bmp-ts reads them (width unsigned, height signed), are checked against the
 * pixel limit first, and the color table size against the file (checkBmpHeader). Its output is
 * ABGR, which jimp's wrapper turns into RGBA; alpha is dropped.
 *
 * Reference: https://learn.microsoft.com/en-us/windows/win32/api/wingdi/ns-wingdi-bitmapinfoheader;
 * bmp-ts decoder.js (parseHeader, parseRGBA).
 * Leaves out: the OS/2 12-byte core header (bmp-ts refuses it), PIL-exact 16-bit and RLE handling.
 */
import { defaultFormats } from "jimp";
import { ImageFormatError } from "./image_errors.ts";
import type { RgbImage } from "./image_io.ts";
import { type PixelLimit, checkPixelLimit } from "./image_limits.ts";

interface Bitmap {
  width: number;
  height: number;
  data: Uint8Array; // RGBA
}
interface Codec {
  mime: string;
  decode?: (data: Buffer, options?: Record<string, unknown>) => Bitmap | Promise<Bitmap>;
  encode?: (bitmap: Bitmap, options?: Record<string, unknown>) => Buffer | Uint8Array | Promise<Buffer | Uint8Array>;
}

/** jimp's codecs (pngjs, jpeg-js, omggif/gifwrap, bmp-ts, utif2), used for BMP decoding and for saveImage. */
export const JIMP_CODECS: Codec[] = (defaultFormats as unknown as (() => Codec)[]).map((f) => f());

/** The jimp codec for a MIME type. */
export function jimpCodec(mime: string): Codec {
  const codec = JIMP_CODECS.find((c) => c.mime === mime);
  if (!codec) throw new ImageFormatError("IMAGE", `jimp has no codec for ${mime}`);
  return codec;
}

/** The size bmp-ts will allocate for: width (uint32 at 18) x |height| (int32 at 22). */
export function bmpDeclaredSize(b: Uint8Array): { width: number; height: number } {
  if (b.length < 26) throw new ImageFormatError("BMP", `file is truncated (${b.length} bytes, no info header)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: dv.getUint32(18, true), height: Math.abs(dv.getInt32(22, true)) };
}

/** RGBA -> RGB by dropping alpha (PIL's convert("RGB") on RGBA). */
export function dropAlpha(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    rgb[i * 3] = rgba[j];
    rgb[i * 3 + 1] = rgba[j + 1];
    rgb[i * 3 + 2] = rgba[j + 2];
  }
  return rgb;
}

/**
 * The other header fields bmp-ts sizes its work by: the color table (it allocates an array of
 * `colors` entries before reading them, so 0x0D000000 colors cost 100+ MB) must hold at most 256
 * entries (PIL: "Unsupported BMP Palette size") and fit in the file; bits per pixel must be one
 * bmp-ts decodes.
 */
function checkBmpHeader(b: Uint8Array): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length < 54) throw new ImageFormatError("BMP", `file is truncated (${b.length} bytes, no complete info header)`);
  const headerSize = dv.getUint32(14, true);
  const bpp = dv.getUint16(28, true);
  const colors = dv.getUint32(46, true);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) throw new ImageFormatError("BMP", `unsupported ${bpp} bits per pixel`, true);
  const entries = colors === 0 && bpp <= 8 ? 1 << bpp : colors;
  if (entries > 256) throw new ImageFormatError("BMP", `unsupported BMP palette size (${entries} colors)`, true);
  if (14 + headerSize + 4 * entries > b.length) throw new ImageFormatError("BMP", `file is truncated (the ${entries}-color table runs past the end)`);
}

/** Decode BMP bytes (pixel limit first). Errors of bmp-ts are rethrown as ImageFormatError with the reason. */
export async function decodeBmp(bytes: Buffer, limit: PixelLimit): Promise<RgbImage> {
  const { width: w, height: h } = bmpDeclaredSize(bytes);
  if (w === 0 || h === 0) throw new ImageFormatError("BMP", `invalid size ${w} x ${h}`);
  checkPixelLimit(limit, "BMP", w, h);
  checkBmpHeader(bytes);
  let bitmap: Bitmap;
  try {
    bitmap = await jimpCodec("image/bmp").decode!(bytes);
  } catch (e) {
    throw new ImageFormatError("BMP", `corrupt or truncated BMP (${(e as Error).message})`, false, { cause: e });
  }
  const { width, height, data } = bitmap;
  if (width !== w || height !== h || data.length < width * height * 4) {
    throw new ImageFormatError("BMP", `decoder returned ${width}x${height} with ${data.length} bytes for a ${w}x${h} header`);
  }
  return { width, height, data: dropAlpha(data, width, height) };
}
