/**
 * lzw.ts — the Lempel-Ziv-Welch decoder, in the two dialects images use: GIF's and TIFF's.
 *
 * Teaches: LZW sends codes of growing width. The table starts with one entry per symbol (256 bytes
 * for TIFF, 2^minCodeSize palette indices for GIF) plus Clear (reset the table) and End; every
 * further code adds one entry, "the previous code's string + the first byte of this one's", so the
 * decoder rebuilds the encoder's table one step behind it. A code equal to the next free entry
 * (the KwKwK case) is the previous string + its own first byte.
 *
 *                    GIF                              TIFF (compression 5)
 *   bit order        least significant bit first      most significant bit first
 *   Clear, End       2^minCodeSize, + 1               256, 257
 *   widen to n+1     when the table reaches 2^n       one entry early, at 2^n - 1 ("early change")
 *   width            minCodeSize + 1 up to 12 bits    9 up to 12 bits
 *
 * Output goes into `out`, whose size the image header fixed, and stops when it is full: hostile
 * data can never expand past it. A full table (4096 entries) simply stops growing until Clear.
 *
 * Reference: GIF89a Appendix F; TIFF 6.0 section 13; T. Welch, "A Technique for High-Performance
 * Data Compression", IEEE Computer 17(6), 1984.
 * Leaves out: encoding; TIFF's pre-6.0 LSB-first variant.
 */
import { ImageFormatError } from "./image_errors.ts";

export interface LzwDialect {
  /** Symbols are 0 .. 2^minCodeSize - 1 (8 for TIFF's bytes). */
  minCodeSize: number;
  msbFirst: boolean;
  earlyChange: boolean;
  /** For error messages ("GIF", "TIFF"). */
  format: string;
}

export const GIF_LZW = (minCodeSize: number): LzwDialect => ({ minCodeSize, msbFirst: false, earlyChange: false, format: "GIF" });
export const TIFF_LZW: LzwDialect = { minCodeSize: 8, msbFirst: true, earlyChange: true, format: "TIFF" };

/** Decode `src` into `out`; returns how many bytes were written (fewer when the data ends early). */
export function lzwDecode(src: Uint8Array, out: Uint8Array, d: LzwDialect): number {
  const clear = 1 << d.minCodeSize;
  const end = clear + 1;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < clear; i++) {
    suffix[i] = first[i] = i;
    length[i] = 1;
  }
  const early = d.earlyChange ? 1 : 0;
  let width = d.minCodeSize + 1;
  let next = end + 1;
  let prev = -1;
  let acc = 0;
  let bits = 0;
  let p = 0;
  let o = 0;
  while (o < out.length) {
    while (bits < width && p < src.length) {
      acc = d.msbFirst ? ((acc << 8) | src[p++]) >>> 0 : acc | (src[p++] << bits);
      bits += 8;
    }
    if (bits < width) break; // out of data
    let code: number;
    if (d.msbFirst) {
      code = (acc >>> (bits - width)) & ((1 << width) - 1);
      acc &= (1 << (bits - width)) - 1;
    } else {
      code = acc & ((1 << width) - 1);
      acc >>>= width;
    }
    bits -= width;
    if (code === clear) {
      width = d.minCodeSize + 1;
      next = end + 1;
      prev = -1;
      continue;
    }
    if (code === end) break;
    let s: number; // the table string to output
    if (code < next && (prev >= 0 || code < clear)) s = code;
    else if (code === next && prev >= 0) s = prev; // KwKwK: prev's string + its first byte
    else throw new ImageFormatError(d.format, `corrupt LZW data (code ${code} with ${next} table entries)`);
    const n = length[s];
    for (let k = n - 1, c = s; k >= 0; k--, c = prefix[c]) if (o + k < out.length) out[o + k] = suffix[c];
    o = Math.min(o + n, out.length);
    if (s !== code && o < out.length) out[o++] = first[prev];
    if (prev >= 0 && next < 4096) {
      prefix[next] = prev;
      suffix[next] = first[s];
      first[next] = first[prev];
      length[next] = length[prev] + 1;
      next++;
      if (next + early >= 1 << width && width < 12) width++;
    }
    prev = code;
  }
  return o;
}
