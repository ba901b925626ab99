/**
 * resample_weights.ts — Pillow's `precompute_coeffs`: which input pixels feed each output pixel of a
 * 1-D resize, and with which weights, for any separable filter.
 *
 * Teaches: a resize is a weighted average along each axis. Output pixel i (of outSize) is centered
 * on input coordinate c = (i + 0.5) * scale, scale = inSize / outSize. Its taps are the inputs x
 * from trunc(c - support + 0.5) to trunc(c + support + 0.5) (clamped to the image), weighted by
 *   w(x) = filter((x - c + 0.5) / filterscale),   filterscale = max(scale, 1)
 * and normalized to sum to 1. When downscaling the kernel is stretched by the scale (antialiasing:
 * every input pixel contributes); when upscaling it is not. Pillow's filters:
 *   BILINEAR (triangle) w(x) = max(0, 1 - |x|), support 1;  BICUBIC (Keys, a = -0.5), support 2.
 * The weights stay float64 here; the 8-bit path rounds them to fixed point (resize_bicubic.ts), the
 * float ("F" mode) path uses them as they are (resize_float.ts).
 *
 * Reference: Pillow src/libImaging/Resample.c (`precompute_coeffs`, `bilinear_filter`).
 * Leaves out: the `box` (crop) argument.
 */

export interface ResampleWeights {
  /** Weights per output pixel (the largest tap count). */
  ksize: number;
  /** First input index of each output pixel [outSize]. */
  start: Int32Array;
  /** Taps of each output pixel [outSize]. */
  count: Int32Array;
  /** Normalized weights [outSize * ksize] (zeros past each count). */
  weights: Float64Array;
}

/** Pillow's triangle filter (BILINEAR), support 1. */
export function bilinearFilter(x: number): number {
  if (x < 0) x = -x;
  return x < 1 ? 1 - x : 0;
}

/** `precompute_coeffs(inSize, outSize)` for `filter` of half-width `support` (see the header). */
export function resampleWeights(inSize: number, outSize: number, filter: (x: number) => number, filterSupport: number): ResampleWeights {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1); // stretch the kernel only when downscaling (antialias)
  const support = filterSupport * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero: Math.trunc, not Math.floor.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter((x + xmin - center + 0.5) * ss);
      weights[xx * ksize + x] = w;
      ww += w;
    }
    if (ww !== 0) for (let x = 0; x < xmax; x++) weights[xx * ksize + x] /= ww;
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, start, count, weights };
}
