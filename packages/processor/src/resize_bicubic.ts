/**
 * resize_bicubic.ts — Pillow's bicubic resize, ported line for line so pixel values match PIL.
 *
 * Teaches: how a separable resampling filter works, and the three details that make Pillow's
 * output what Hugging Face's SiglipImageProcessor feeds the model:
 *
 *   1. The kernel (Keys' cubic convolution with a = -0.5), support 2:
 *        w(x) = (a + 2)|x|^3 - (a + 3)|x|^2 + 1          for |x| < 1
 *        w(x) = a|x|^3 - 5a|x|^2 + 8a|x| - 4a            for 1 <= |x| < 2
 *        w(x) = 0                                         otherwise
 *   2. Antialiasing when downscaling: with scale = inSize / outSize > 1 the kernel is stretched,
 *      support = 2 * scale, and evaluated at (x - center) / scale. Output pixel i is centered on
 *      input coordinate (i + 0.5) * scale; its taps are the inputs from round(center - support)
 *      to round(center + support), clamped to the image; the weights are normalized to sum to 1.
 *   3. Fixed-point 8-bit arithmetic: weights become integers w * 2^22 (PRECISION_BITS = 32 - 8 - 2),
 *      rounded half away from zero; each output starts at 2^21 (one half, so the final shift rounds),
 *      sums in * w, then clips to 0..255 (clip8). The image is resized horizontally first (to a
 *      uint8 image, so values are rounded and clipped between passes), then vertically.
 *
 * A size that does not change skips its pass, and an image already at the target size is returned
 * unchanged (PIL's `Image.resize` returns a copy), so fixtures already at the model's size are exact.
 *
 * References: Pillow src/libImaging/Resample.c (`bicubic_filter`, `precompute_coeffs` (resample_weights.ts),
 * `normalize_coeffs_8bpc`, `ImagingResampleHorizontal_8bpc`, `ImagingResampleVertical_8bpc`,
 * `ImagingResampleInner`); R. Keys, "Cubic convolution interpolation for digital image processing",
 * IEEE TASSP 1981.
 *
 * Leaves out: the other PIL filters, the `box` (crop) argument, `reducing_gap`, and modes other
 * than 8-bit RGB.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import type { RgbImage } from "./image_io.ts";
import { resampleWeights } from "./resample_weights.ts";

/** Fractional bits of the fixed-point weights: 32 - 8 (pixel) - 2 (headroom for overshoot). */
const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Keys' cubic kernel with a = -0.5 (Pillow's BICUBIC), support 2. */
export function bicubicFilter(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}
const BICUBIC_SUPPORT = 2;

/** Per output pixel: the first input index, the number of taps, and `ksize` fixed-point weights. */
export interface ResampleCoeffs {
  ksize: number;
  start: Int32Array; // [outSize]
  count: Int32Array; // [outSize]
  weights: Int32Array; // [outSize * ksize]
}

/** Pillow's `precompute_coeffs` (resample_weights.ts) + `normalize_coeffs_8bpc` for resizing inSize -> outSize. */
export function precomputeCoeffs(inSize: number, outSize: number): ResampleCoeffs {
  const { ksize, start, count, weights: w } = resampleWeights(inSize, outSize, bicubicFilter, BICUBIC_SUPPORT);
  // normalize_coeffs_8bpc: to fixed point, rounding half away from zero.
  const weights = Int32Array.from(w, (v) => (v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE)));
  return { ksize, start, count, weights };
}

/** Pillow's clip8: a fixed-point sum -> 0..255. */
function clip8(v: number): number {
  if (v >= ONE << 8) return 255; // 2^30: still a safe int32
  if (v <= 0) return 0;
  return v >> PRECISION_BITS;
}

/**
 * One separable pass over an interleaved RGB uint8 buffer: out[o] = clip8(1/2 + sum_t in[t] * w[t]),
 * along rows (`horizontal`) or columns. Integer math as in C: products stay below 2^31.
 */
function resamplePass(src: Uint8Array, srcW: number, srcH: number, c: ResampleCoeffs, horizontal: boolean): Uint8Array {
  const outW = horizontal ? c.start.length : srcW;
  const outH = horizontal ? srcH : c.start.length;
  const out = new Uint8Array(outW * outH * 3);
  const { ksize, start, count, weights } = c;
  // In a horizontal pass tap t of output x is pixel (y, start + t); vertically, pixel (start + t, x).
  const tapStride = horizontal ? 3 : srcW * 3;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const o = horizontal ? x : y; // which output coordinate the coefficients index
      const first = horizontal ? (y * srcW + start[o]) * 3 : (start[o] * srcW + x) * 3;
      const kOff = o * ksize;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let t = 0, p = first; t < count[o]; t++, p += tapStride) {
        const w = weights[kOff + t];
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
      }
      const q = (y * outW + x) * 3;
      out[q] = clip8(r);
      out[q + 1] = clip8(g);
      out[q + 2] = clip8(b);
    }
  }
  return out;
}

/** Resize an RGB image to width x height with Pillow's BICUBIC filter (aspect ratio not kept). */
export function resizeBicubic(image: RgbImage, width: number, height: number): RgbImage {
  for (const [name, v] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`resizeBicubic: ${name} must be a positive integer, got ${v}`);
  }
  if (image.data.length !== image.width * image.height * 3) {
    throw new ArgumentError(`resizeBicubic: image data has ${image.data.length} bytes, expected ${image.width}x${image.height}x3`);
  }
  if (width === image.width && height === image.height) {
    return { width, height, data: image.data.slice() }; // PIL: same size -> copy, no resampling
  }
  let data = image.data;
  let w = image.width;
  const h = image.height;
  const vert = precomputeCoeffs(h, height);
  if (width !== w) {
    // Horizontal pass first, only over the rows the vertical pass will read (ImagingResampleInner).
    const firstRow = vert.start[0];
    const lastRow = vert.start[height - 1] + vert.count[height - 1];
    const rows = data.subarray(firstRow * w * 3, lastRow * w * 3);
    data = resamplePass(rows, w, lastRow - firstRow, precomputeCoeffs(w, width), true); // [rows, width, 3]
    for (let i = 0; i < height; i++) vert.start[i] -= firstRow;
    w = width;
  }
  if (height !== h) {
    data = resamplePass(data, w, data.length / (w * 3), vert, false); // [height, width, 3]
  }
  return { width, height, data };
}
