/**
 * jpeg_color.ts — from decoded JPEG coefficients to RGB pixels, exactly as libjpeg-turbo (and so PIL) does.
 *
 * Teaches the last three steps of JPEG decoding:
 *
 *   1. inverse DCT of every block (jpeg_idct.ts) -> one sample plane per component;
 *   2. chroma upsampling: with 4:2:0, Cb and Cr have half the width and height. libjpeg's default
 *      "fancy" upsampling is a triangle filter, not pixel replication. For 2x2 (h2v2):
 *        colsum(c) = 3 * nearer_row[c] + further_row[c]          (rows: 3/4 and 1/4)
 *        even out  = (3 * colsum(c) + colsum(c - 1) + 8) >> 4    (columns: 3/4 and 1/4)
 *        odd  out  = (3 * colsum(c) + colsum(c + 1) + 7) >> 4
 *      where the "further" row/column is the neighbour on the side of the output pixel, edges are
 *      replicated, and the alternating +8/+7 (h2v1: +1/+2) avoids a rounding bias;
 *   3. YCbCr -> RGB (JFIF, full range) in 16-bit fixed point through lookup tables:
 *        R = Y + 1.402 (Cr - 128)
 *        G = Y - 0.34414 (Cb - 128) - 0.71414 (Cr - 128)
 *        B = Y + 1.772 (Cb - 128)
 *      each clamped to 0..255.
 *
 * Getting these bit-exact is why this package has its own JPEG path: jpeg-js truncates its
 * floating-point color conversion (and replicates chroma instead of filtering it), which put about
 * half of rocket.jpg's pixel_values one level off PIL's; with this path they are identical.
 *
 * References: libjpeg-turbo jdsample.c (`h2v1_fancy_upsample`, `h2v2_fancy_upsample`,
 * `h1v2_fancy_upsample`, `int_upsample`, `jinit_upsampler`), jdmainct.c (edge row replication),
 * jdcolor.c (`build_ycc_rgb_table`, `ycc_rgb_convert`, `ycck_cmyk_convert`), jdapimin.c (YCbCr vs
 * RGB, CMYK vs YCCK guess).
 *
 * Four components (CMYK, Adobe YCCK) follow libjpeg's conversion to CMYK and then PIL's
 * (cmykJpegToRgb below).
 *
 * Leaves out: fractional sampling ratios, DCT-domain scaling.
 */
import { cmykToRgb } from "./cmyk_to_rgb.ts";
import type { RgbImage } from "./image_io.ts";
import { type JpegFrame, JpegError } from "./jpeg_decoder.ts";
import { idctIslow } from "./jpeg_idct.ts";

interface Plane {
  data: Uint8Array;
  stride: number;
  width: number; // downsampled_width: the real samples (the rest is block padding)
  height: number;
}

/** Step 1: inverse DCT of all blocks of each component. */
function componentPlanes(frame: JpegFrame): Plane[] {
  return frame.components.map((c) => {
    const stride = c.blocksPerLine * 8;
    const data = new Uint8Array(stride * c.blocksPerColumn * 8);
    for (let by = 0; by < c.blocksPerColumn; by++) {
      for (let bx = 0; bx < c.blocksPerLine; bx++) {
        idctIslow(c.coef, (by * c.blocksPerLine + bx) * 64, c.quant, data, by * 8 * stride + bx * 8, stride);
      }
    }
    return { data, stride, width: Math.ceil((frame.width * c.h) / frame.maxH), height: Math.ceil((frame.height * c.v) / frame.maxV) };
  });
}

/** Step 2: a component plane -> full-resolution width x height samples (libjpeg's choice of method). */
function upsample(p: Plane, fx: number, fy: number, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const src = p.data;
  const s = p.stride;
  const lastCol = p.width - 1;
  const lastRow = p.height - 1;
  const clampCol = (c: number) => (c < 0 ? 0 : c > lastCol ? lastCol : c);
  const clampRow = (r: number) => (r < 0 ? 0 : r > lastRow ? lastRow : r);
  const fancyH = fx === 2 && p.width > 2; // jinit_upsampler: fancy needs more than 2 input columns
  for (let y = 0; y < height; y++) {
    const o = y * width;
    if (fx === 1 && fy === 1) {
      out.set(src.subarray(y * s, y * s + width), o);
    } else if (fx === 2 && fy === 1 && fancyH) {
      const r = y * s; // h2v1: 3/4 nearer + 1/4 further column
      for (let x = 0; x < width; x++) {
        const c = x >> 1;
        out[o + x] = x & 1 ? (3 * src[r + c] + src[r + clampCol(c + 1)] + 2) >> 2 : (3 * src[r + c] + src[r + clampCol(c - 1)] + 1) >> 2;
      }
    } else if (fx === 1 && fy === 2) {
      const near = (y >> 1) * s; // h1v2: 3/4 nearer + 1/4 further row
      const far = clampRow((y >> 1) + (y & 1 ? 1 : -1)) * s;
      const bias = y & 1 ? 2 : 1;
      for (let x = 0; x < width; x++) out[o + x] = (3 * src[near + x] + src[far + x] + bias) >> 2;
    } else if (fx === 2 && fy === 2 && fancyH) {
      const near = (y >> 1) * s; // h2v2: rows 3:1 into column sums, then columns 3:1, /16
      const far = clampRow((y >> 1) + (y & 1 ? 1 : -1)) * s;
      const colsum = (c: number) => 3 * src[near + c] + src[far + c];
      for (let x = 0; x < width; x++) {
        const c = x >> 1;
        out[o + x] = x & 1 ? (3 * colsum(c) + colsum(clampCol(c + 1)) + 7) >> 4 : (3 * colsum(c) + colsum(clampCol(c - 1)) + 8) >> 4;
      }
    } else {
      const r = Math.floor(y / fy) * s; // int_upsample: plain replication
      for (let x = 0; x < width; x++) out[o + x] = src[r + Math.floor(x / fx)];
    }
  }
  return out;
}

// Step 3 tables (jdcolor.c build_ycc_rgb_table), SCALEBITS = 16.
const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const FIX = (x: number) => Math.floor(x * (1 << SCALEBITS) + 0.5);
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0; i < 256; i++) {
  const x = i - 128;
  CR_R[i] = (FIX(1.402) * x + ONE_HALF) >> SCALEBITS;
  CB_B[i] = (FIX(1.772) * x + ONE_HALF) >> SCALEBITS;
  CR_G[i] = -FIX(0.71414) * x;
  CB_G[i] = -FIX(0.34414) * x + ONE_HALF;
}
const clamp255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);

/**
 * Decoded coefficients -> an RGB image. Consumes the frame: once the IDCT planes exist the
 * coefficient arrays (2 bytes per sample) are released, so peak memory is the larger of
 * coefficients + planes and planes + upsampled planes + RGB, not all of them at once.
 */
export function jpegToRgb(frame: JpegFrame): RgbImage {
  const { width, height } = frame;
  const planes = componentPlanes(frame);
  for (const c of frame.components) c.coef = new Int16Array(0);
  const full = frame.components.map((c, i) => {
    const fx = frame.maxH / c.h;
    const fy = frame.maxV / c.v;
    if (!Number.isInteger(fx) || !Number.isInteger(fy)) throw new JpegError(`fractional sampling ${c.h}x${c.v} of ${frame.maxH}x${frame.maxV}`, true);
    return upsample(planes[i], fx, fy, width, height);
  });
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  if (full.length === 1) {
    for (let i = 0; i < n; i++) rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = full[0][i]; // grayscale (PIL "L" -> "RGB")
    return { width, height, data: rgb };
  }
  if (full.length === 4) {
    cmykJpegToRgb(frame, full, rgb);
    return { width, height, data: rgb };
  }
  const [a, b, c] = full;
  const ids = frame.components.map((x) => x.id).join(",");
  const isRgb = frame.jfif ? false : frame.adobeTransform >= 0 ? frame.adobeTransform === 0 : ids === "82,71,66"; // 'R','G','B'
  for (let i = 0; i < n; i++) {
    const q = i * 3;
    if (isRgb) {
      rgb[q] = a[i];
      rgb[q + 1] = b[i];
      rgb[q + 2] = c[i];
    } else {
      const y = a[i];
      rgb[q] = clamp255(y + CR_R[c[i]]);
      rgb[q + 1] = clamp255(y + ((CB_G[b[i]] + CR_G[c[i]]) >> SCALEBITS));
      rgb[q + 2] = clamp255(y + CB_B[b[i]]);
    }
  }
  return { width, height, data: rgb };
}

/**
 * Four components, as libjpeg + PIL: with an Adobe marker whose transform is not 0 the planes are
 * YCCK, and libjpeg turns them into CMYK = (255 - R, 255 - G, 255 - B, K) with the YCbCr -> RGB
 * tables above (jdcolor.c ycck_cmyk_convert); otherwise they are CMYK already. PIL then reads the
 * CMYK bytes with rawmode "CMYK;I" (every byte inverted, the Adobe/Photoshop convention, with or
 * without the marker) and converts with its cmyk2rgb (cmyk_to_rgb.ts).
 */
function cmykJpegToRgb(frame: JpegFrame, full: Uint8Array[], rgb: Uint8Array): void {
  const [a, b, c, k] = full;
  const ycck = frame.adobeTransform > 0;
  for (let i = 0, q = 0; i < a.length; i++, q += 3) {
    let c0 = a[i];
    let c1 = b[i];
    let c2 = c[i];
    if (ycck) {
      const y = c0;
      c0 = 255 - clamp255(y + CR_R[c2]);
      c1 = 255 - clamp255(y + ((CB_G[b[i]] + CR_G[c[i]]) >> SCALEBITS));
      c2 = 255 - clamp255(y + CB_B[b[i]]);
    }
    cmykToRgb(255 - c0, 255 - c1, 255 - c2, 255 - k[i], rgb, q);
  }
}
