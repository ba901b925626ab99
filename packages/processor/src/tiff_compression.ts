/**
 * tiff_compression.ts — TIFF's LZW and PackBits decoders, writing into a buffer of the size the IFD allows.
 *
 * Teaches two classic lossless codes:
 *
 *   PackBits (compression 32773), a run-length code: read a signed byte n;
 *     0 <= n <= 127    copy the next n + 1 bytes        -127 <= n <= -1   repeat the next byte 1 - n times
 *     n = -128         nothing
 *
 *   LZW (compression 5): codes of 9 to 12 bits, most significant bit first. A table starts with the
 *   256 single bytes, 256 = Clear (reset the table), 257 = EndOfInformation; each new code adds
 *   "previous string + first byte of the current one". TIFF widens the code one entry early: after
 *   the table reaches 511, 1023 and 2047 entries the next code is 10, 11 and 12 bits. A code equal
 *   to the next free entry (the KwKwK case) is previous + previous[0].
 *
 * Both write into `out` (the strip's size from the IFD) and stop when it is full, so hostile data
 * can never produce more than the header allows. Each returns how many bytes it wrote.
 *
 * Reference: TIFF 6.0 specification, section 9 (PackBits) and 13 (LZW); libtiff tif_lzw.c, tif_packbits.c.
 * Leaves out: the pre-6.0 "old-style" LSB-first LZW variant, CCITT fax and JPEG compression.
 */
import { TiffError } from "./tiff_ifd.ts";

/** PackBits-decode `src` into `out`; returns the number of bytes written. */
export function unpackBits(src: Uint8Array, out: Uint8Array): number {
  let o = 0;
  let p = 0;
  while (p < src.length && o < out.length) {
    const n = (src[p++] << 24) >> 24; // signed byte
    if (n >= 0) {
      const run = Math.min(n + 1, src.length - p, out.length - o);
      out.set(src.subarray(p, p + run), o);
      o += run;
      p += n + 1;
    } else if (n !== -128) {
      if (p >= src.length) break;
      const run = Math.min(1 - n, out.length - o);
      out.fill(src[p++], o, o + run);
      o += run;
    }
  }
  return o;
}

const CLEAR = 256;
const EOI = 257;

/** LZW-decode `src` into `out`; returns the number of bytes written. */
export function lzwDecode(src: Uint8Array, out: Uint8Array): number {
  // The table as (prefix code, last byte, length) triples; strings are rebuilt backwards into `out`.
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const length = new Int32Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    length[i] = 1;
    prefix[i] = -1;
  }
  let next = 258;
  let width = 9;
  let prev = -1;
  let acc = 0;
  let bits = 0;
  let p = 0;
  let o = 0;
  while (o < out.length) {
    while (bits < width && p < src.length) {
      acc = ((acc << 8) | src[p++]) >>> 0;
      bits += 8;
    }
    if (bits < width) break; // out of data
    const code = (acc >>> (bits - width)) & ((1 << width) - 1);
    bits -= width;
    acc &= (1 << bits) - 1;
    if (code === EOI) break;
    if (code === CLEAR) {
      next = 258;
      width = 9;
      prev = -1;
      continue;
    }
    if (prev < 0) {
      if (code > 255) throw new TiffError(`corrupt LZW data: code ${code} right after a clear code`);
      out[o++] = code;
      prev = code;
      continue;
    }
    if (code > next || next >= 4096) throw new TiffError(`corrupt LZW data: code ${code} with ${next} table entries`);
    // The string of `code` (or, for the KwKwK case, prev's string + its first byte).
    const known = code < next;
    const s = known ? code : prev;
    const n = length[s];
    const end = o + n; // string bytes go to out[o .. end), written backwards; may run past out.length
    let c = s;
    for (let k = n - 1; k >= 0; k--) {
      if (o + k < out.length) out[o + k] = suffix[c];
      c = prefix[c];
    }
    const first = out[o] ?? firstByte(s, prefix, suffix);
    o = Math.min(end, out.length);
    if (!known && o < out.length) out[o++] = first;
    prefix[next] = prev;
    suffix[next] = first;
    length[next] = length[prev] + 1;
    next++;
    if (next + 1 >= 1 << width && width < 12) width++; // TIFF's early change
    prev = code;
  }
  return o;
}

/** First byte of a table string (only needed when it did not fit into `out`). */
function firstByte(code: number, prefix: Int32Array, suffix: Uint8Array): number {
  let c = code;
  while (prefix[c] >= 0) c = prefix[c];
  return suffix[c];
}
