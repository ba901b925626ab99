/**
 * tiff_decoder.ts — decode the first image of a baseline TIFF to 8-bit RGB, as PIL's convert("RGB") does.
 *
 * Teaches: the IFD (tiff_ifd.ts) says how pixels are stored:
 *
 *   samples   SamplesPerPixel s, BitsPerSample b each, SampleFormat (1 unsigned, 2 signed), ExtraSamples
 *             (0 unspecified, 1 premultiplied alpha, 2 alpha) for samples beyond the color ones
 *   color     Photometric 0 WhiteIsZero, 1 BlackIsZero, 2 RGB, 3 palette (ColorMap: all reds, then
 *             greens, then blues, 16 bits each), 5 CMYK
 *   layout    strips of RowsPerStrip rows, or tiles; PlanarConfiguration 1 = R G B R G B ...,
 *             2 = one plane per sample; FillOrder 2 = bits of each byte reversed
 *   coding    Compression 1 none, 5 LZW (lzw.ts), 8 / 32946 Deflate, 32773 PackBits (tiff_compression.ts),
 *             then Predictor 2: each sample stored as the difference from the one to its left
 *
 * PIL picks a mode from (photometric, sample format, fill order, bits, extra samples) in its
 * OPEN_INFO table; `pilMode` below is the subset decoded here, with what convert("RGB") then does:
 *   "1", "L;2", "L;4", "L" (";I" inverted for WhiteIsZero)  gray scaled to 8 bits, replicated
 *   "I;16", "I"  16-bit gray                                 min(max(v, 0), 255)  (clipped, not >> 8)
 *   "LA", "RGB", "RGBA", "RGBX"                              8-bit samples; 16-bit: the high byte
 *   "RGBa" (premultiplied)                                   v * 255 / a, as PIL's unpacker, then dropped
 *   "P" palette                                              ColorMap[i] >> 8
 *   "CMYK"                                                   cmyk_to_rgb.ts (PIL's cmyk2rgb)
 *
 * Robustness: the pixel limit is checked from IFD0 (and for each tile's size) before allocating;
 * each strip or tile decodes into a buffer of exactly the size the IFD implies, so no compressed
 * data can expand past it; data pointing outside the file is "truncated".
 *
 * Reference: TIFF 6.0 specification sections 3-8, 14 (Predictor), 15 (tiles); Pillow
 * TiffImagePlugin.py (OPEN_INFO, COLORMAP) and libImaging/Unpack.c (unpackRGBa).
 * Leaves out (refused with an "unsupported" TiffError): JPEG, CCITT and other compressions, YCbCr,
 * CIELab, float and 32-bit samples, pages after the first.
 */
import type { RgbImage } from "./image_io.ts";
import { type PixelLimit, checkPixelLimit } from "./image_limits.ts";
import { cmykToRgb } from "./cmyk_to_rgb.ts";
import { TIFF_LZW, lzwDecode } from "./lzw.ts";
import { unpackBits } from "./tiff_compression.ts";
import { TAG, type TiffIfd, TiffError, readTiffIfd, tagValue, tiffSize } from "./tiff_ifd.ts";
import { inflateBounded } from "./zlib_bounded.ts";

type Kind = "gray" | "grayInverted" | "gray16" | "rgb" | "rgbPremultiplied" | "palette" | "cmyk";

interface Mode {
  kind: Kind;
  bits: number;
  samples: number;
  signed: boolean;
}

/** PIL's OPEN_INFO, reduced to what this decoder handles; undefined means unsupported. */
function pilMode(ifd: TiffIfd): Mode {
  const photo = tagValue(ifd, TAG.Photometric, 0);
  const samples = tagValue(ifd, TAG.SamplesPerPixel, 1);
  let bps = ifd.tags.get(TAG.BitsPerSample) ?? [1];
  if (bps.length === 1 && samples > 1) bps = new Array<number>(samples).fill(bps[0]); // PIL: one value means all
  bps = bps.slice(0, samples);
  const extra = ifd.tags.get(TAG.ExtraSamples) ?? [];
  const formats = ifd.tags.get(TAG.SampleFormat) ?? [1];
  const format = formats.every((f) => f === formats[0]) ? formats[0] : -1;
  const bits = bps[0];
  const why = `photometric ${photo}, ${samples} samples of ${bps.join("/")} bits, sample format ${format}, extra samples [${extra.join(", ")}]`;
  const fail = (): never => {
    throw new TiffError(`unsupported pixel layout (${why})`, true);
  };
  if (bps.length !== samples || !bps.every((x) => x === bits) || samples > 6) fail();
  const colors = photo === 2 ? 3 : photo === 5 ? 4 : 1;
  if (samples !== colors + extra.length && !(photo === 2 && samples === 4 && extra.length === 0)) fail();
  const mode = (kind: Kind): Mode => ({ kind, bits, samples, signed: format === 2 });
  if ((format === 2 && !(photo === 1 && bits === 16 && samples === 1)) || (format !== 1 && format !== 2)) fail();
  if (photo === 0 || photo === 1) {
    if (samples === 1 && bits <= 8 && [1, 2, 4, 8].includes(bits)) return mode(photo === 0 ? "grayInverted" : "gray");
    if (samples === 1 && bits === 16 && (ifd.littleEndian || photo === 1)) return mode("gray16");
    if (photo === 1 && samples === 2 && bits === 8 && extra[0] === 2) return mode("gray");
  } else if (photo === 2 && (bits === 8 || (bits === 16 && samples <= 4))) {
    return mode(extra[0] === 1 ? "rgbPremultiplied" : "rgb");
  } else if (photo === 3 && [1, 2, 4, 8].includes(bits) && (samples === 1 || (bits === 8 && extra[0] === 2))) {
    return mode("palette");
  } else if (photo === 5 && bits === 8 && extra.every((x) => x === 0)) {
    return mode("cmyk");
  }
  return fail();
}

/** The strips or tiles as rectangles of the image: where each one's bytes are and what it covers. */
function blocks(ifd: TiffIfd, width: number, height: number, planes: number, limit: PixelLimit) {
  const tiled = ifd.tags.has(TAG.TileWidth);
  const bw = tiled ? tagValue(ifd, TAG.TileWidth) : width;
  const bh = tiled ? tagValue(ifd, TAG.TileLength) : Math.min(tagValue(ifd, TAG.RowsPerStrip, 2 ** 32 - 1), height);
  if (bw < 1 || bh < 1) throw new TiffError(`invalid ${tiled ? "tile" : "strip"} size ${bw} x ${bh}`);
  if (tiled) checkPixelLimit(limit, "TIFF tile", bw, bh);
  const across = Math.ceil(width / bw);
  const down = Math.ceil(height / bh);
  const offsets = ifd.tags.get(tiled ? TAG.TileOffsets : TAG.StripOffsets);
  const counts = ifd.tags.get(tiled ? TAG.TileByteCounts : TAG.StripByteCounts);
  const need = across * down * planes;
  if (!offsets || offsets.length < need) throw new TiffError(`${tiled ? "TileOffsets" : "StripOffsets"} has ${offsets?.length ?? 0} entries, the image needs ${need}`);
  if (counts && counts.length < need) throw new TiffError(`${tiled ? "TileByteCounts" : "StripByteCounts"} has ${counts.length} entries, the image needs ${need}`);
  return { bw, bh, across, down, offsets, counts };
}

/** Decompress one strip or tile into `out` (its exact size); throws unless it fills it. */
async function decompress(compression: number, src: Uint8Array, out: Uint8Array, which: string): Promise<void> {
  let n: number;
  if (compression === 1) {
    n = Math.min(src.length, out.length);
    out.set(src.subarray(0, n));
  } else if (compression === 32773) n = unpackBits(src, out);
  else if (compression === 5) n = lzwDecode(src, out, TIFF_LZW);
  else if (compression === 8 || compression === 32946) {
    let r;
    try {
      r = await inflateBounded(src, out.length);
    } catch (e) {
      throw new TiffError(`${which}: corrupt Deflate data (zlib: ${(e as Error).message})`);
    }
    out.set(r.data);
    n = r.length;
  } else {
    throw new TiffError(`compression ${compression} is not supported (only none, LZW, Deflate and PackBits)`, true);
  }
  if (n < out.length) throw new TiffError(`${which} decodes to ${n} bytes, ${out.length} expected: truncated or corrupt`);
}

/** Undo Predictor 2 on one row of `samples`-interleaved 8- or 16-bit values. */
function undoPredictor(row: Uint8Array, samples: number, bits: number, le: boolean): void {
  if (bits === 8) {
    for (let i = samples; i < row.length; i++) row[i] = (row[i] + row[i - samples]) & 0xff;
    return;
  }
  const dv = new DataView(row.buffer, row.byteOffset, row.byteLength);
  for (let i = samples * 2; i + 1 < row.length; i += 2) dv.setUint16(i, (dv.getUint16(i, le) + dv.getUint16(i - samples * 2, le)) & 0xffff, le);
}

const REVERSED = Uint8Array.from({ length: 256 }, (_, b) => {
  let r = 0;
  for (let k = 0; k < 8; k++) r |= ((b >> k) & 1) << (7 - k);
  return r;
});

/** Decode TIFF bytes (IFD0) to RGB. Throws TiffError, or ImageTooLargeError from `limit`. */
export async function decodeTiff(bytes: Uint8Array, limit: PixelLimit): Promise<RgbImage> {
  const ifd = readTiffIfd(bytes);
  const { width, height } = tiffSize(ifd);
  checkPixelLimit(limit, "TIFF", width, height);
  const mode = pilMode(ifd);
  const compression = tagValue(ifd, TAG.Compression, 1);
  const predictor = tagValue(ifd, TAG.Predictor, 1);
  const planar = tagValue(ifd, TAG.PlanarConfiguration, 1) === 2 && mode.samples > 1;
  const reversed = tagValue(ifd, TAG.FillOrder, 1) === 2;
  if (predictor !== 1 && !(predictor === 2 && mode.bits >= 8)) throw new TiffError(`predictor ${predictor} with ${mode.bits}-bit samples is not supported`, true);
  const planes = planar ? mode.samples : 1;
  const perPlane = planar ? 1 : mode.samples; // samples interleaved within one plane's rows
  const rowBytes = Math.ceil((width * perPlane * mode.bits) / 8);
  const b = blocks(ifd, width, height, planes, limit);
  const blockRowBytes = Math.ceil((b.bw * perPlane * mode.bits) / 8);
  const image = new Uint8Array(planes * height * rowBytes); // unpacked samples, plane after plane
  const tile = new Uint8Array(b.bh * blockRowBytes);
  for (let plane = 0; plane < planes; plane++) {
    for (let by = 0; by < b.down; by++) {
      for (let bx = 0; bx < b.across; bx++) {
        const i = (plane * b.down + by) * b.across + bx;
        const rows = ifd.tags.has(TAG.TileWidth) ? b.bh : Math.min(b.bh, height - by * b.bh); // the last strip may be shorter
        const at = b.offsets[i];
        const size = b.counts ? b.counts[i] : compression === 1 ? rows * blockRowBytes : bytes.length - at;
        if (at >= bytes.length || at + size > bytes.length) throw new TiffError(`file is truncated (block ${i} at byte ${at}, ${size} bytes, past the end)`);
        const out = tile.subarray(0, rows * blockRowBytes);
        await decompress(compression, bytes.subarray(at, at + size), out, `strip/tile ${i}`);
        for (let r = 0; r < rows; r++) {
          const y = by * b.bh + r;
          if (y >= height) break;
          const row = out.subarray(r * blockRowBytes, (r + 1) * blockRowBytes);
          if (reversed) for (let k = 0; k < row.length; k++) row[k] = REVERSED[row[k]];
          if (predictor === 2) undoPredictor(row, perPlane, mode.bits, ifd.littleEndian);
          const x0 = Math.ceil((bx * b.bw * perPlane * mode.bits) / 8);
          const n = Math.min(blockRowBytes, rowBytes - x0);
          image.set(row.subarray(0, n), (plane * height + y) * rowBytes + x0);
        }
      }
    }
  }
  return { width, height, data: toRgb(ifd, mode, image, width, height, rowBytes, planar) };
}

/** Unpacked samples -> RGB with PIL's conversion for the mode (see the header). */
function toRgb(ifd: TiffIfd, mode: Mode, image: Uint8Array, width: number, height: number, rowBytes: number, planar: boolean): Uint8Array {
  const { bits, samples, kind } = mode;
  const le = ifd.littleEndian;
  const planeSize = height * rowBytes;
  // Sample c of pixel (x, y), at 8 bits: sub-byte values as they are, 16-bit ones as a full 16-bit value.
  const sample = (x: number, y: number, c: number): number => {
    const base = planar ? c * planeSize + y * rowBytes : y * rowBytes;
    const idx = planar ? x : x * samples + c;
    if (bits === 8) return image[base + idx];
    if (bits === 16) return le ? image[base + 2 * idx] | (image[base + 2 * idx + 1] << 8) : (image[base + 2 * idx] << 8) | image[base + 2 * idx + 1];
    const bit = idx * bits;
    return (image[base + (bit >> 3)] >> (8 - bits - (bit & 7))) & ((1 << bits) - 1);
  };
  const to8 = (v: number) => (bits === 16 ? v >> 8 : v);
  const palette = kind === "palette" ? colorMap(ifd, bits) : undefined;
  const out = new Uint8Array(width * height * 3);
  const scale = bits < 8 ? 255 / ((1 << bits) - 1) : 1;
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += 3) {
      if (kind === "gray" || kind === "grayInverted") {
        const v = Math.round(sample(x, y, 0) * scale);
        out[o] = out[o + 1] = out[o + 2] = kind === "gray" ? v : 255 - v;
      } else if (kind === "gray16") {
        let v = sample(x, y, 0);
        if (mode.signed && v >= 32768) v -= 65536;
        out[o] = out[o + 1] = out[o + 2] = v < 0 ? 0 : v > 255 ? 255 : v;
      } else if (kind === "palette") {
        out.set(palette!.subarray(sample(x, y, 0) * 3, sample(x, y, 0) * 3 + 3), o);
      } else if (kind === "cmyk") {
        cmykToRgb(sample(x, y, 0), sample(x, y, 1), sample(x, y, 2), sample(x, y, 3), out, o);
      } else {
        const a = kind === "rgbPremultiplied" ? to8(sample(x, y, 3)) : 255;
        for (let c = 0; c < 3; c++) {
          const v = to8(sample(x, y, c));
          out[o + c] = a === 255 ? v : a === 0 ? 0 : Math.min(255, Math.floor((v * 255) / a)); // PIL's unpackRGBa
        }
      }
    }
  }
  return out;
}

/** The ColorMap as RGB triples, 16-bit entries >> 8 (PIL: o8(v // 256)). */
function colorMap(ifd: TiffIfd, bits: number): Uint8Array {
  const cm = ifd.tags.get(TAG.ColorMap);
  const n = 1 << bits;
  if (!cm || cm.length < 3 * n) throw new TiffError(`palette image needs a ColorMap of ${3 * n} values, found ${cm?.length ?? 0}`);
  const rgb = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = cm[c * n + i] >> 8;
  return rgb;
}
