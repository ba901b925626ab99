/**
 * tiff_compression.ts — TIFF's PackBits decoder (LZW is lzw.ts), writing into a buffer of the size
 * the IFD allows.
 *
 * Teaches a classic run-length code, PackBits (compression 32773): read a signed byte n;
 *   0 <= n <= 127    copy the next n + 1 bytes        -127 <= n <= -1   repeat the next byte 1 - n times
 *   n = -128         nothing
 *
 * It writes into `out` (the strip's size from the IFD) and stops when it is full, so hostile data
 * can never produce more than the header allows; it returns how many bytes it wrote.
 *
 * Reference: TIFF 6.0 specification, section 9 (PackBits); libtiff tif_packbits.c.
 * Leaves out: CCITT fax and JPEG compression.
 */

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
