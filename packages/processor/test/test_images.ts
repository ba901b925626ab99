/**
 * test_images.ts — tiny hand-written encoders so the image tests can make every kind of file they
 * need (grayscale / palette / RGBA PNG, multi-frame GIF, EXIF-tagged JPEG) without committing files.
 *
 * PNG: signature, IHDR, optional PLTE/tRNS, one zlib IDAT of rows each prefixed by filter 0, IEND;
 * every chunk is length, type, data, CRC-32(type + data).
 * GIF: "GIF89a", a 256-color global table, one image per frame, LZW with 9-bit codes kept fixed
 * by sending a clear code every 250 pixels (valid, just not compressed).
 */
import { deflateSync } from "node:zlib";
import type { RgbImage } from "../src/index.ts";

/** A deterministic colorful test pattern: red ramps with x, green with y, blue checkerboard. */
export function pattern(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data[p] = width > 1 ? Math.round((x * 255) / (width - 1)) : 128;
      data[p + 1] = height > 1 ? Math.round((y * 255) / (height - 1)) : 64;
      data[p + 2] = ((x >> 3) + (y >> 3)) & 1 ? 220 : 30;
    }
  }
  return { width, height, data };
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  out.set(Buffer.from(type, "latin1"), 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * PNG with color type 0 (gray), 2 (RGB), 3 (palette), 4 (gray + alpha) or 6 (RGBA), 8 bits per sample.
 * `samples` holds width * height * channels bytes.
 */
export function encodePng(opts: { width: number; height: number; colorType: 0 | 2 | 3 | 4 | 6; samples: Uint8Array; palette?: Uint8Array; transparency?: Uint8Array; exif?: Uint8Array }): Uint8Array {
  const { width, height, colorType, samples } = opts;
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, colorType, 0, 0, 0], 8);
  const raw = new Uint8Array(height * (1 + width * channels));
  for (let y = 0; y < height; y++) raw.set(samples.subarray(y * width * channels, (y + 1) * width * channels), y * (1 + width * channels) + 1);
  const parts = [Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr)];
  if (opts.palette) parts.push(chunk("PLTE", opts.palette));
  if (opts.transparency) parts.push(chunk("tRNS", opts.transparency));
  if (opts.exif) parts.push(chunk("eXIf", opts.exif));
  parts.push(chunk("IDAT", deflateSync(raw)), chunk("IEND", new Uint8Array(0)));
  return Buffer.concat(parts);
}

/** GIF with a 256-entry palette (RGB triples) and one or more frames of palette indices. */
export function encodeGif(width: number, height: number, palette: Uint8Array, frames: Uint8Array[]): Uint8Array {
  const bytes: number[] = [...Buffer.from("GIF89a", "latin1"), width & 255, width >> 8, height & 255, height >> 8, 0xf7, 0, 0];
  const table = new Uint8Array(768);
  table.set(palette.subarray(0, 768));
  bytes.push(...table);
  for (const indices of frames) {
    bytes.push(0x2c, 0, 0, 0, 0, width & 255, width >> 8, height & 255, height >> 8, 0); // image descriptor
    bytes.push(8); // LZW minimum code size
    // Codes, 9 bits each, packed least-significant bit first.
    const codes: number[] = [];
    indices.forEach((v, i) => {
      if (i % 250 === 0) codes.push(256); // clear: keeps the code width at 9 bits
      codes.push(v);
    });
    codes.push(257); // end of information
    const packed: number[] = [];
    let acc = 0;
    let nbits = 0;
    for (const c of codes) {
      acc |= c << nbits;
      nbits += 9;
      while (nbits >= 8) {
        packed.push(acc & 255);
        acc >>>= 8;
        nbits -= 8;
      }
    }
    if (nbits > 0) packed.push(acc & 255);
    for (let i = 0; i < packed.length; i += 255) {
      const block = packed.slice(i, i + 255);
      bytes.push(block.length, ...block);
    }
    bytes.push(0); // block terminator
  }
  bytes.push(0x3b);
  return Uint8Array.from(bytes);
}

/** A little-endian TIFF/EXIF block whose IFD0 holds only the Orientation tag. */
export function exifBlock(orientation: number): Uint8Array {
  const b = new Uint8Array(26);
  const dv = new DataView(b.buffer);
  b.set([0x49, 0x49]); // "II"
  dv.setUint16(2, 42, true);
  dv.setUint32(4, 8, true); // IFD0 at offset 8
  dv.setUint16(8, 1, true); // one entry
  dv.setUint16(10, 0x0112, true); // Orientation
  dv.setUint16(12, 3, true); // SHORT
  dv.setUint32(14, 1, true); // count
  dv.setUint16(18, orientation, true);
  dv.setUint32(22, 0, true); // no next IFD
  return b;
}

/** Insert an APP1 "Exif" segment with the given orientation right after a JPEG's SOI marker. */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), exifBlock(orientation)]);
  const seg = Buffer.concat([Uint8Array.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 255]), payload]);
  return Buffer.concat([jpeg.subarray(0, 2), seg, jpeg.subarray(2)]);
}

/** Largest absolute difference between two byte arrays of equal length. */
export function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
