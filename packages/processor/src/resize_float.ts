/**
 * resize_float.ts — Pillow's BILINEAR resize of a one-channel float32 image (PIL mode "F"), the
 * resize big_vision applies to a decoded 64x64 segmentation mask to fit it into its box.
 *
 * Teaches: the same separable resampling as the 8-bit path (resample_weights.ts: triangle filter,
 * support 1, antialiased when shrinking), without fixed point: for mode "F" Pillow keeps the weights
 * as doubles, sums in double, and stores each pass as float32:
 *   tmp[y, i] = float32( sum_t src[y, start_i + t] * w_i[t] )     horizontal, when the width changes
 *   out[j, x] = float32( sum_t tmp[start_j + t, x] * w_j[t] )     vertical, when the height changes
 * A pass whose size does not change is skipped (an unchanged image is copied).
 *
 * Reference: Pillow src/libImaging/Resample.c (`ImagingResampleHorizontal_32bpc`,
 * `ImagingResampleVertical_32bpc`, `ImagingResampleInner`); big_vision
 * evaluators/proj/paligemma/transfers/segmentation.py (`PIL.Image.fromarray(m64).resize(..., BILINEAR)`).
 * Leaves out: other filters and channel counts.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { type ResampleWeights, bilinearFilter, resampleWeights } from "./resample_weights.ts";

/** One pass along rows (`horizontal`) or columns of a [srcH, srcW] float image. */
function pass(src: Float32Array, srcW: number, srcH: number, c: ResampleWeights, horizontal: boolean): Float32Array {
  const outW = horizontal ? c.start.length : srcW;
  const outH = horizontal ? srcH : c.start.length;
  const out = new Float32Array(outW * outH); // [outH, outW]
  const tapStride = horizontal ? 1 : srcW;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const o = horizontal ? x : y;
      const first = horizontal ? y * srcW + c.start[o] : c.start[o] * srcW + x;
      let s = 0; // double, as Pillow's `double ss`
      for (let t = 0, p = first; t < c.count[o]; t++, p += tapStride) s += src[p] * c.weights[o * c.ksize + t];
      out[y * outW + x] = s;
    }
  }
  return out;
}

/** src [height, width] row-major -> [outHeight, outWidth], Pillow BILINEAR on mode "F". */
export function resizeFloatBilinear(src: Float32Array, width: number, height: number, outWidth: number, outHeight: number): Float32Array {
  for (const [name, v] of [["width", width], ["height", height], ["outWidth", outWidth], ["outHeight", outHeight]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`resizeFloatBilinear: ${name} must be a positive integer, got ${v}`);
  }
  if (src.length !== width * height) throw new ArgumentError(`resizeFloatBilinear: ${src.length} values for a ${width}x${height} image`);
  let data = src;
  if (outWidth !== width) data = pass(data, width, height, resampleWeights(width, outWidth, bilinearFilter, 1), true); // [height, outWidth]
  if (outHeight !== height) data = pass(data, outWidth, height, resampleWeights(height, outHeight, bilinearFilter, 1), false); // [outHeight, outWidth]
  return data === src ? src.slice() : data;
}
