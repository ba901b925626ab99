/**
 * gif_decoder.ts — decode the first frame of a GIF to RGB the way PIL 9.4 shows it.
 *
 * Teaches: a GIF is "GIF87a"/"GIF89a", a logical screen descriptor (width, height, flags: a global
 * color table of 2^(n+1) RGB entries follows when bit 7 is set, background index), then blocks:
 *
 *   0x21 label sub-blocks...   an extension; label 0xF9 (graphic control) may name a transparent index
 *   0x2C image descriptor      left, top, width, height, flags (local color table, interlace),
 *                              then the LZW minimum code size and the data in sub-blocks
 *   0x3B                       the end; a sub-block is a length byte (0 ends the list) and that many bytes
 *
 * The pixel data is LZW-coded in GIF's dialect (lzw.ts). An interlaced frame sends rows 0, 8, 16,
 * ..., then 4, 12, ..., then 2, 6, ..., then the odd rows.
 *
 * PIL's first frame (GifImagePlugin): the canvas is the logical screen, grown to hold the frame if
 * the frame sticks out; it starts filled with the transparent index (else 0); the frame's indices
 * are pasted at (left, top); then convert("RGB") looks each index up in the frame's palette (local,
 * else global). An index past the palette is gray (i, i, i), as is every pixel of a GIF without any
 * palette (mode "L"). Transparency is not composited: a transparent pixel shows its palette color.
 *
 * Robustness: the canvas size is checked against the pixel limit before anything is allocated,
 * the LZW output never exceeds the frame, and nothing is printed (omggif, used before, logged).
 *
 * Reference: GIF89a specification (https://www.w3.org/Graphics/GIF/spec-gif89a.txt), sections
 * 18-23 and Appendix F (LZW); Pillow GifImagePlugin.py (_seek, load_prepare).
 * Leaves out: later frames and their disposal, the Netscape loop extension, comments.
 */
import type { RgbImage } from "./image_io.ts";
import { ImageFormatError } from "./image_errors.ts";
import { type PixelLimit, checkPixelLimit } from "./image_limits.ts";
import { GIF_LZW, lzwDecode } from "./lzw.ts";

/** Malformed GIF bytes (loadImage adds the file name). */
export class GifError extends ImageFormatError {
  constructor(message: string) {
    super("GIF", message);
  }
}

interface Frame {
  left: number;
  top: number;
  width: number;
  height: number;
  interlaced: boolean;
  palette?: Uint8Array;
  transparent: number | null;
  minCodeSize: number;
  data: Uint8Array;
}

/** Concatenate the sub-blocks starting at p; returns the data and the position after the terminator. */
function subBlocks(b: Uint8Array, p: number, collect: boolean): { data: Uint8Array; end: number } {
  const parts: Uint8Array[] = [];
  for (;;) {
    if (p >= b.length) throw new GifError("file is truncated (sub-blocks run past the end)");
    const n = b[p++];
    if (n === 0) break;
    if (p + n > b.length) throw new GifError("file is truncated (a sub-block runs past the end)");
    if (collect) parts.push(b.subarray(p, p + n));
    p += n;
  }
  return { data: Buffer.concat(parts), end: p };
}

/** Parse up to the first image descriptor. */
function readFirstFrame(b: Uint8Array): { screenWidth: number; screenHeight: number; frame: Frame } {
  if (b.length < 13 || !/^GIF8[79]a$/.test(String.fromCharCode(...b.subarray(0, 6)))) throw new GifError("missing GIF87a/GIF89a signature");
  const u16 = (p: number) => b[p] | (b[p + 1] << 8);
  const screenWidth = u16(6);
  const screenHeight = u16(8);
  const flags = b[10];
  let p = 13;
  let global: Uint8Array | undefined;
  if (flags & 0x80) {
    const n = 3 << ((flags & 7) + 1);
    if (p + n > b.length) throw new GifError("file is truncated (global color table)");
    global = b.subarray(p, p + n);
    p += n;
  }
  let transparent: number | null = null;
  for (;;) {
    if (p >= b.length) throw new GifError("file is truncated (no image before the end)");
    const kind = b[p++];
    if (kind === 0x3b) throw new GifError("no image before the trailer");
    if (kind === 0x21) {
      const label = b[p++];
      const { data, end } = subBlocks(b, p, label === 0xf9);
      if (label === 0xf9 && data.length >= 4) transparent = data[0] & 1 ? data[3] : null;
      p = end;
    } else if (kind === 0x2c) {
      if (p + 9 > b.length) throw new GifError("file is truncated (image descriptor)");
      const [left, top, width, height] = [u16(p), u16(p + 2), u16(p + 4), u16(p + 6)];
      const f = b[p + 8];
      p += 9;
      let palette = global;
      if (f & 0x80) {
        const n = 3 << ((f & 7) + 1);
        if (p + n > b.length) throw new GifError("file is truncated (local color table)");
        palette = b.subarray(p, p + n);
        p += n;
      }
      if (p >= b.length) throw new GifError("file is truncated (no image data)");
      const minCodeSize = b[p++];
      if (minCodeSize < 1 || minCodeSize > 8) throw new GifError(`invalid LZW minimum code size ${minCodeSize}`);
      const { data } = subBlocks(b, p, true);
      return { screenWidth, screenHeight, frame: { left, top, width, height, interlaced: (f & 0x40) !== 0, palette, transparent, minCodeSize, data } };
    } else {
      throw new GifError(`unknown block type 0x${kind.toString(16)} at byte ${p - 1}`);
    }
  }
}

/** Decode the first frame of GIF bytes to RGB (see the header). */
export function decodeGif(bytes: Uint8Array, limit: PixelLimit): RgbImage {
  const { screenWidth, screenHeight, frame: f } = readFirstFrame(bytes);
  const width = Math.max(screenWidth, f.left + f.width);
  const height = Math.max(screenHeight, f.top + f.height);
  if (width === 0 || height === 0) throw new GifError(`invalid size ${width} x ${height}`);
  checkPixelLimit(limit, "GIF", width, height);
  const indices = new Uint8Array(f.width * f.height);
  lzwDecode(f.data, indices, GIF_LZW(f.minCodeSize));
  const canvas = new Uint8Array(width * height).fill(f.transparent ?? 0);
  // Interlaced frames send rows in four passes: every 8th from 0, every 8th from 4, every 4th from 2, every 2nd from 1.
  const order: number[] = [];
  if (f.interlaced) for (const [start, step] of [[0, 8], [4, 8], [2, 4], [1, 2]]) for (let y = start; y < f.height; y += step) order.push(y);
  for (let j = 0; j < f.height; j++) {
    const y = f.top + (f.interlaced ? order[j] : j);
    canvas.set(indices.subarray(j * f.width, (j + 1) * f.width), y * width + f.left);
  }
  const rgb = new Uint8Array(width * height * 3);
  const pal = f.palette;
  for (let i = 0; i < canvas.length; i++) {
    const v = canvas[i];
    if (pal && 3 * v + 2 < pal.length) rgb.set(pal.subarray(3 * v, 3 * v + 3), 3 * i);
    else rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = v;
  }
  return { width, height, data: rgb };
}
