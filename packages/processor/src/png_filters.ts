/**
 * png_filters.ts — undo PNG's per-row prediction filters (in place).
 *
 * Teaches: before compressing, a PNG encoder replaces each byte x of a row by its difference from a
 * prediction made from already-seen neighbours, chosen per row by the filter byte in front of it:
 *
 *   a = the byte bpp positions to the left (0 at the row start), b = the byte above (0 in the first
 *   row of an image or Adam7 pass), c = the byte above-left; bpp = bytes per pixel, at least 1
 *
 *   0 None      x                      3 Average  x + floor((a + b) / 2)
 *   1 Sub       x + a                  4 Paeth    x + paeth(a, b, c)
 *   2 Up        x + b
 *
 *   paeth(a, b, c): p = a + b - c; the one of a, b, c nearest to p (ties: a, then b)
 *
 * all modulo 256. Decoding reverses it left to right, top to bottom, so a, b and c are already
 * decoded bytes. A filter byte above 4 is invalid (PIL: "unrecognized data stream contents").
 *
 * Reference: PNG specification, 3rd edition, section 7.3 and 9 (https://www.w3.org/TR/png-3/#9Filters).
 * Leaves out: choosing filters (an encoder's job).
 */
import { ImageFormatError } from "./image_errors.ts";

/** Unfilter `rows` rows of `rowBytes` bytes (each preceded by its filter byte) starting at `offset`. */
export function unfilterRows(raw: Uint8Array, offset: number, rows: number, rowBytes: number, bpp: number): void {
  const stride = rowBytes + 1;
  for (let j = 0; j < rows; j++) {
    const f = offset + j * stride;
    const r = f + 1;
    const up = j > 0 ? r - stride : -1; // -1: no row above
    const type = raw[f];
    if (type === 0) continue;
    if (type > 4) throw new ImageFormatError("PNG", `invalid filter type ${type} in row ${j} (unrecognized data stream contents)`);
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? raw[r + i - bpp] : 0;
      const b = up >= 0 ? raw[up + i] : 0;
      let pred: number;
      if (type === 1) pred = a;
      else if (type === 2) pred = b;
      else if (type === 3) pred = (a + b) >> 1;
      else {
        const c = up >= 0 && i >= bpp ? raw[up + i - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      raw[r + i] = (raw[r + i] + pred) & 0xff;
    }
  }
}
