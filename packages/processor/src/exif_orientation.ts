/**
 * exif_orientation.ts — read the EXIF Orientation tag and turn an image upright (opt-in).
 *
 * Teaches: cameras store pixels as the sensor saw them and record how to display them in EXIF tag
 * 0x0112 (Orientation). PIL's `Image.open` ignores it (so does PaliGemma's reference processor); to
 * apply it PIL offers `ImageOps.exif_transpose`, which maps
 *
 *   1 normal   2 mirror left-right   3 rotate 180   4 mirror top-bottom
 *   5 transpose (mirror across the main diagonal)   6 rotate 90 clockwise
 *   7 transverse (mirror across the anti-diagonal)  8 rotate 90 counter-clockwise
 *
 * EXIF data is a small TIFF structure: a byte-order mark ("II" little endian, "MM" big endian),
 * the number 42, the offset of IFD0, then 12-byte entries (tag, type, count, value). JPEG stores it
 * in an APP1 segment starting with "Exif\0\0", PNG in an `eXIf` chunk; a TIFF file is one itself.
 *
 * References: CIPA DC-008 (EXIF 2.32) tag 0x0112; TIFF 6.0 section 2; Pillow ImageOps.exif_transpose.
 *
 * Leaves out: every other EXIF tag, and XMP orientation.
 */
import type { RgbImage } from "./image_io.ts";

/** Orientation (1..8) from a TIFF structure at `base`, or 1 when absent or malformed. */
function orientationFromTiff(b: Uint8Array, base: number, end: number): number {
  if (base + 8 > end) return 1;
  const le = b[base] === 0x49 && b[base + 1] === 0x49;
  if (!le && !(b[base] === 0x4d && b[base + 1] === 0x4d)) return 1;
  const u16 = (p: number) => (le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1]);
  const u32 = (p: number) => (le ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 2 ** 24 : ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) + b[p] * 2 ** 24);
  if (u16(base + 2) !== 42) return 1;
  const ifd = base + u32(base + 4);
  if (ifd + 2 > end) return 1;
  const n = u16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > end) return 1;
    if (u16(e) === 0x0112 && u16(e + 2) === 3) {
      const v = u16(e + 8); // a SHORT value sits in the first 2 bytes of the value field
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

/** The EXIF orientation of an encoded JPEG, PNG or TIFF file (1 when there is none). */
export function readExifOrientation(bytes: Uint8Array): number {
  const b = bytes;
  if (b[0] === 0xff && b[1] === 0xd8) {
    // JPEG: walk the segments before the first scan, looking for APP1 "Exif\0\0".
    let p = 2;
    while (p + 4 <= b.length && b[p] === 0xff) {
      const marker = b[p + 1];
      if (marker === 0xda || marker === 0xd9) break;
      const len = (b[p + 2] << 8) | b[p + 3];
      if (marker === 0xe1 && String.fromCharCode(...b.subarray(p + 4, p + 10)) === "Exif\0\0") return orientationFromTiff(b, p + 10, Math.min(p + 2 + len, b.length));
      p += 2 + len;
    }
    return 1;
  }
  if (b[0] === 0x89 && b[1] === 0x50) {
    // PNG: chunks are length (4, big endian), type (4), data, CRC (4).
    let p = 8;
    while (p + 8 <= b.length) {
      const len = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
      const type = String.fromCharCode(...b.subarray(p + 4, p + 8));
      if (type === "eXIf") return orientationFromTiff(b, p + 8, Math.min(p + 8 + len, b.length));
      if (type === "IDAT" || type === "IEND") break;
      p += 12 + len;
    }
    return 1;
  }
  return orientationFromTiff(b, 0, b.length); // TIFF (anything else yields 1)
}

/** Apply an EXIF orientation (ImageOps.exif_transpose): returns a new upright image. */
export function applyExifOrientation(image: RgbImage, orientation: number): RgbImage {
  const { width: w, height: h, data } = image;
  if (orientation < 2 || orientation > 8) return { width: w, height: h, data: data.slice() };
  const swap = orientation >= 5; // 5..8 exchange width and height
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  // For each output pixel (x, y): the source pixel it comes from.
  const source: Record<number, (x: number, y: number) => [number, number]> = {
    2: (x, y) => [w - 1 - x, y],
    3: (x, y) => [w - 1 - x, h - 1 - y],
    4: (x, y) => [x, h - 1 - y],
    5: (x, y) => [y, x],
    6: (x, y) => [y, h - 1 - x],
    7: (x, y) => [w - 1 - y, h - 1 - x],
    8: (x, y) => [w - 1 - y, x],
  };
  const map = source[orientation];
  const out = new Uint8Array(ow * oh * 3);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const [sx, sy] = map(x, y);
      const s = (sy * w + sx) * 3;
      const o = (y * ow + x) * 3;
      out[o] = data[s];
      out[o + 1] = data[s + 1];
      out[o + 2] = data[s + 2];
    }
  }
  return { width: ow, height: oh, data: out };
}
