/**
 * tiff_ifd.ts — read a TIFF file's first image directory (IFD0), checking every offset against the file.
 *
 * Teaches: a TIFF file starts with a byte-order mark ("II" little endian, "MM" big endian), the
 * number 42 and the offset of the first IFD. An IFD is a count n (2 bytes), n entries of 12 bytes
 *
 *   tag (2)   type (2: 1 BYTE, 3 SHORT, 4 LONG, ...)   count (4)   value or offset (4)
 *
 * and the offset of the next IFD (the next page). A value that fits in 4 bytes sits in the entry
 * itself; a longer one (count * size > 4) is stored at the offset. The image is described by tags:
 * ImageWidth 256, ImageLength 257, BitsPerSample 258, Compression 259, Photometric 262, ... and its
 * pixels are in strips (StripOffsets 273 / StripByteCounts 279) or tiles (324 / 325).
 *
 * Hostile files point anywhere: an entry's data past the end of the file, a count of 4 billion, an
 * IFD chain that loops. Only IFD0 is read (PIL's default frame, and all loadImage needs), each
 * value array must lie inside the file (so a count is bounded by the file size), and only the
 * tags the decoder uses are read at all.
 *
 * Reference: TIFF 6.0 specification, sections 2 (structure) and 8 (baseline fields),
 * https://www.itu.int/itudoc/itu-t/com16/tiff-fx/docs/tiff6.pdf
 * Leaves out: BigTIFF (version 43, 8-byte offsets), later pages, sub-IFDs, EXIF/GPS directories.
 */
import { ImageFormatError } from "./image_errors.ts";

/** Malformed or unsupported TIFF bytes (loadImage adds the file name). */
export class TiffError extends ImageFormatError {
  constructor(message: string, unsupported = false) {
    super("TIFF", message, unsupported);
  }
}

export interface TiffIfd {
  littleEndian: boolean;
  /** tag -> its values, for the integer-valued tags the decoder reads. */
  tags: Map<number, number[]>;
}

/** Tags read by tiff_decoder.ts (anything else is skipped unread). */
export const TAG = {
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  FillOrder: 266,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  Predictor: 317,
  ColorMap: 320,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  ExtraSamples: 338,
  SampleFormat: 339,
} as const;
const WANTED = new Set<number>(Object.values(TAG));

/** Byte size of the integer types: BYTE, SHORT, LONG (and their signed twins, read as unsigned). */
const TYPE_SIZE: Record<number, number> = { 1: 1, 3: 2, 4: 4, 6: 1, 8: 2, 9: 4 };

/** Parse the header and IFD0. Throws TiffError on anything that points outside the file. */
export function readTiffIfd(b: Uint8Array): TiffIfd {
  if (b.length < 8) throw new TiffError(`file is truncated (${b.length} bytes, no TIFF header)`);
  const le = b[0] === 0x49 && b[1] === 0x49;
  if (!le && !(b[0] === 0x4d && b[1] === 0x4d)) throw new TiffError("missing byte-order mark (II or MM)");
  const u16 = (p: number) => (le ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1]);
  const u32 = (p: number) => (le ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16)) + b[p + 3] * 2 ** 24 : ((b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) + b[p] * 2 ** 24);
  const version = u16(2);
  if (version === 43) throw new TiffError("BigTIFF (version 43) is not supported", true);
  if (version !== 42) throw new TiffError(`version ${version} is not 42: not a TIFF file`);
  const ifd = u32(4);
  if (ifd < 8 || ifd + 2 > b.length) throw new TiffError(`IFD0 offset ${ifd} is outside the file (${b.length} bytes)`);
  const n = u16(ifd);
  if (ifd + 2 + 12 * n > b.length) throw new TiffError(`IFD0 declares ${n} entries, which run past the end of the file`);
  const tags = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + 12 * i;
    const tag = u16(e);
    if (!WANTED.has(tag) || tags.has(tag)) continue; // unread; a repeated tag keeps its first value
    const type = u16(e + 2);
    const count = u32(e + 4);
    const size = TYPE_SIZE[type];
    if (!size) throw new TiffError(`tag ${tag} has type ${type}, expected BYTE, SHORT or LONG`);
    if (count === 0) throw new TiffError(`tag ${tag} has no values`);
    const bytes = count * size;
    const at = bytes <= 4 ? e + 8 : u32(e + 8);
    if (at + bytes > b.length) throw new TiffError(`tag ${tag}: ${count} values at offset ${at} run past the end of the file (${b.length} bytes)`);
    const read = size === 1 ? (p: number) => b[p] : size === 2 ? u16 : u32;
    const values = new Array<number>(count);
    for (let k = 0; k < count; k++) values[k] = read(at + k * size);
    tags.set(tag, values);
  }
  return { littleEndian: le, tags };
}

/** The first value of `tag`, or `dflt` when absent (TIFF's defaults: see tiff_decoder.ts). */
export function tagValue(ifd: TiffIfd, tag: number, dflt?: number): number {
  const v = ifd.tags.get(tag)?.[0] ?? dflt;
  if (v === undefined) throw new TiffError(`required tag ${tag} is missing`);
  return v;
}

/** The width and height IFD0 declares (what the pixel limit checks). */
export function tiffSize(ifd: TiffIfd): { width: number; height: number } {
  const width = tagValue(ifd, TAG.ImageWidth);
  const height = tagValue(ifd, TAG.ImageLength);
  if (width < 1 || height < 1) throw new TiffError(`invalid size ${width} x ${height}`);
  return { width, height };
}
