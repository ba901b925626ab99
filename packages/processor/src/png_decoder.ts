/**
 * png_decoder.ts — decode a PNG file to 8-bit RGB exactly as PIL's `Image.open(f).convert("RGB")`.
 *
 * Teaches: a PNG is an 8-byte signature, then chunks "length (4, big endian), type (4), data, CRC-32":
 *
 *   IHDR  width, height (u32 each), bit depth, color type, compression 0, filter 0, interlace 0|1
 *   PLTE  the palette, RGB triples          IDAT  the zlib stream (split over any number of chunks)
 *   IEND  the end                           others (tRNS, gAMA, eXIf, text...) do not change RGB
 *
 * The inflated stream holds, per row, one filter byte then the row's bytes (png_filters.ts); with
 * Adam7 interlacing (interlace 1) seven reduced images follow each other, pass p holding the pixels
 * at x = x0 + i * dx, y = y0 + j * dy:
 *
 *   pass     1  2  3  4  5  6  7
 *   x0, y0   0,0 4,0 0,4 2,0 0,2 1,0 0,1
 *   dx, dy   8,8 8,8 4,8 4,4 2,4 2,2 1,2
 *
 * Samples become RGB the way PIL 9.4 does it (measured with test/pil/make_pil_goldens.py):
 *
 *   gray 1/2/4/8 bits     v * 255, v * 85, v * 17, v      (modes "1", "L;2", "L;4", "L")
 *   gray 16 bits          min(v, 255)                      (mode "I", then I -> L clips: NOT v >> 8)
 *   gray + alpha, RGB, RGBA at 16 bits   the high byte v >> 8, alpha dropped
 *   palette               PLTE[i]; an index past the palette (or no PLTE) is gray (i, i, i)
 *
 * Robustness: the pixel limit is checked from IHDR before anything is allocated, and the stream is
 * inflated only up to the bytes IHDR allows (zlib_bounded.ts). Like PIL: CRCs are checked for the
 * chunks before the first IDAT, data after the image is ignored, a stream that ends early after a
 * complete row leaves the missing rows 0, and one cut inside a row (or a file cut off mid-stream)
 * is an error ("image file is truncated").
 *
 * Reference: PNG specification, 3rd edition (https://www.w3.org/TR/png-3/) sections 5 (chunks),
 * 7-8 (filters, Adam7), 11.2 (IHDR); Pillow PngImagePlugin.py (_MODES) and libImaging/Convert.c.
 * Leaves out: APNG frames, gamma and color management (PIL applies none either), tRNS (convert("RGB")
 * drops transparency).
 */
import type { RgbImage } from "./image_io.ts";
import { type PixelLimit, checkPixelLimit } from "./image_limits.ts";
import { ImageFormatError } from "./image_errors.ts";
import { unfilterRows } from "./png_filters.ts";
import { inflateBounded } from "./zlib_bounded.ts";

/** Malformed or unsupported PNG bytes (loadImage adds the file name). */
export class PngError extends ImageFormatError {
  constructor(message: string, unsupported = false) {
    super("PNG", message, unsupported);
  }
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel and the allowed bit depths of each color type (spec table 11.1). */
const COLOR_TYPES: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
const ADAM7 = [
  [0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2],
];

const u32 = (b: Uint8Array, p: number) => ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(b: Uint8Array, start: number, end: number): number {
  let c = -1;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** Signature and IHDR (which must be the first chunk), validated; nothing else is read. */
export function readPngHeader(b: Uint8Array): PngHeader {
  if (b.length < 8 || SIGNATURE.some((v, i) => b[i] !== v)) throw new PngError("missing PNG signature");
  if (b.length < 33) throw new PngError(`file is truncated (${b.length} bytes, no complete IHDR chunk)`);
  if (u32(b, 8) !== 13 || String.fromCharCode(b[12], b[13], b[14], b[15]) !== "IHDR") throw new PngError("the first chunk is not a 13-byte IHDR");
  const width = u32(b, 16);
  const height = u32(b, 20);
  const [bitDepth, colorType, compression, filter, interlace] = b.subarray(24, 29);
  if (width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) throw new PngError(`invalid size ${width} x ${height} in IHDR`);
  const ct = COLOR_TYPES[colorType];
  if (!ct) throw new PngError(`invalid color type ${colorType} in IHDR`);
  if (!ct.depths.includes(bitDepth)) throw new PngError(`invalid bit depth ${bitDepth} for color type ${colorType} (allowed: ${ct.depths.join(", ")})`);
  if (compression !== 0 || filter !== 0 || interlace > 1) throw new PngError(`invalid IHDR method bytes (compression ${compression}, filter ${filter}, interlace ${interlace})`);
  if (crc32(b, 12, 29) !== u32(b, 29)) throw new PngError("broken PNG file (bad CRC in IHDR)");
  return { width, height, bitDepth, colorType, interlace };
}

/** The seven Adam7 passes (or one pass without interlacing): origin, step and size in pixels. */
function passes(h: PngHeader): { x0: number; y0: number; dx: number; dy: number; w: number; h: number }[] {
  const all = h.interlace ? ADAM7 : [[0, 0, 1, 1]];
  return all
    .map(([x0, y0, dx, dy]) => ({ x0, y0, dx, dy, w: Math.ceil((h.width - x0) / dx), h: Math.ceil((h.height - y0) / dy) }))
    .filter((p) => p.w > 0 && p.h > 0);
}

/** The chunks after IHDR: the palette and the concatenated IDAT data (CRC-checked before IDAT, like PIL). */
function readChunks(b: Uint8Array): { palette?: Uint8Array; idat: Uint8Array } {
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  let p = 33;
  while (p + 8 <= b.length) {
    const len = u32(b, p);
    const type = String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7]);
    if (len > 0x7fffffff) throw new PngError(`chunk ${JSON.stringify(type)} at byte ${p} has an invalid length ${len}`);
    const start = p + 8;
    const end = Math.min(start + len, b.length); // a chunk cut off by the end of the file keeps what is there
    if (type === "IEND") break;
    if (type !== "IDAT" && idat.length === 0 && end + 4 <= b.length && start + len === end && crc32(b, p + 4, end) !== u32(b, end)) {
      throw new PngError(`broken PNG file (bad CRC in ${JSON.stringify(type)} chunk at byte ${p})`);
    }
    if (type === "IDAT") idat.push(b.subarray(start, end));
    else if (type === "PLTE" && idat.length === 0) {
      if (len % 3 !== 0 || len > 768) throw new PngError(`PLTE chunk of ${len} bytes is not 1 to 256 RGB triples`);
      palette = b.subarray(start, end);
    }
    p = start + len + 4;
  }
  if (idat.length === 0) throw new PngError(p >= b.length ? "file is truncated (no image data)" : "no IDAT chunk before IEND");
  return { palette, idat: idat.length === 1 ? idat[0] : Buffer.concat(idat) };
}

/** Per pixel: write RGB for sample position `x` of an unfiltered row (PIL's conversion, see the header). */
function pixelWriter(h: PngHeader, palette: Uint8Array | undefined): (row: Uint8Array, r: number, x: number, out: Uint8Array, o: number) => void {
  const { bitDepth: d, colorType: ct } = h;
  const ch = COLOR_TYPES[ct].channels;
  if (d < 8) {
    const mask = (1 << d) - 1;
    const scale = ct === 3 ? 1 : 255 / mask; // 1 bit: 255, 2 bits: 85, 4 bits: 17
    return (row, r, x, out, o) => {
      const bit = x * d;
      const v = (row[r + (bit >> 3)] >> (8 - d - (bit & 7))) & mask;
      if (ct === 3) writePalette(palette, v, out, o);
      else out[o] = out[o + 1] = out[o + 2] = v * scale;
    };
  }
  const step = d === 16 ? 2 : 1; // 16-bit samples: the high byte comes first (big endian)
  if (ct === 0 && d === 16) {
    return (row, r, x, out, o) => {
      const v = (row[r + 2 * x] << 8) | row[r + 2 * x + 1];
      out[o] = out[o + 1] = out[o + 2] = v > 255 ? 255 : v; // PIL "I" -> "L" clips
    };
  }
  if (ct === 3) return (row, r, x, out, o) => writePalette(palette, row[r + x], out, o);
  if (ct === 0 || ct === 4) {
    return (row, r, x, out, o) => {
      out[o] = out[o + 1] = out[o + 2] = row[r + x * ch * step];
    };
  }
  return (row, r, x, out, o) => {
    const s = r + x * ch * step;
    out[o] = row[s];
    out[o + 1] = row[s + step];
    out[o + 2] = row[s + 2 * step];
  };
}

function writePalette(palette: Uint8Array | undefined, i: number, out: Uint8Array, o: number): void {
  if (palette && 3 * i + 2 < palette.length) {
    out[o] = palette[3 * i];
    out[o + 1] = palette[3 * i + 1];
    out[o + 2] = palette[3 * i + 2];
  } else {
    out[o] = out[o + 1] = out[o + 2] = i; // PIL's default palette is a gray ramp
  }
}

/** Decode PNG bytes to RGB (see the header). Throws PngError, or ImageTooLargeError from `limit`. */
export async function decodePng(bytes: Uint8Array, limit: PixelLimit): Promise<RgbImage> {
  const h = readPngHeader(bytes);
  checkPixelLimit(limit, "PNG", h.width, h.height);
  const { palette, idat } = readChunks(bytes);
  const ch = COLOR_TYPES[h.colorType].channels;
  const bitsPerPixel = ch * h.bitDepth;
  const layout = passes(h).map((p) => ({ ...p, rowBytes: Math.ceil((p.w * bitsPerPixel) / 8) }));
  const expected = layout.reduce((n, p) => n + p.h * (1 + p.rowBytes), 0);
  let inflated;
  try {
    inflated = await inflateBounded(idat, expected);
  } catch (e) {
    throw new PngError(`corrupt image data (zlib: ${(e as Error).message})`);
  }
  // A stream that stops early: PIL keeps the complete rows and leaves the rest 0 (index 0 for a
  // palette image), but a stream cut inside a row, one with no row at all, or a file cut off
  // mid-stream is "image file is truncated".
  let boundary = 0;
  for (const p of layout) {
    const stride = 1 + p.rowBytes;
    const rows = Math.min(p.h, Math.floor((inflated.length - boundary) / stride));
    boundary += rows * stride;
    if (rows < p.h) break;
  }
  if (inflated.end !== "full" && (inflated.end === "truncated" || boundary !== inflated.length || boundary === 0)) {
    throw new PngError(`image file is truncated (image data ends after ${inflated.length} of ${expected} bytes)`);
  }
  const raw = inflated.data;
  const out = new Uint8Array(h.width * h.height * 3);
  const write = pixelWriter(h, palette);
  let offset = 0;
  for (const p of layout) {
    const stride = 1 + p.rowBytes;
    unfilterRows(raw, offset, p.h, p.rowBytes, Math.max(1, bitsPerPixel >> 3));
    for (let j = 0; j < p.h; j++) {
      const r = offset + j * stride + 1;
      const y = p.y0 + j * p.dy;
      for (let i = 0; i < p.w; i++) write(raw, r, i, out, (y * h.width + p.x0 + i * p.dx) * 3);
    }
    offset += p.h * stride;
  }
  return { width: h.width, height: h.height, data: out };
}
