/**
 * segmentation_mask.ts — put a decoded 64x64 mask where its object is: big_vision's placement.
 *
 * Teaches: the VQ-VAE decoder draws every object's mask on the same 64x64 canvas, whatever the
 * object's size; the four <loc> tokens say where that canvas goes. Following big_vision's PaliGemma
 * segmentation evaluator exactly:
 *   box      y1, x1, y2, x2 = int(loc / 1023 * H), int(loc / 1023 * W)    (1023, and truncation:
 *            the evaluator's convention, unlike the demo's round(loc / 1024 * size) for drawing boxes)
 *   valid    ymax loc > ymin loc, xmax loc > xmin loc, and still x2 > x1, y2 > y1 after int()
 *   resize   the float mask (values roughly in [-1, 1]) to (x2 - x1) x (y2 - y1) with PIL BILINEAR on
 *            mode "F" (resize_float.ts)
 *   binary   mask > 0.0, written into a full-image H x W mask at rows y1..y2-1, columns x1..x2-1
 * An invalid box gives an empty mask (the evaluator scores it IoU 0) and box null.
 *
 * Reference: big_vision/evaluators/proj/paligemma/transfers/segmentation.py (`Evaluator.run`).
 * Leaves out: soft (probability) masks, the IoU metric.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import type { Box, ImageSize } from "./detection.ts";
import { resizeFloatBilinear } from "./resize_float.ts";

/** Side of the decoder's mask canvas. */
export const MASK_SIZE = 64;

/** big_vision's pixel box of [ymin, xmin, ymax, xmax] loc values, or null when it is empty. */
export function maskBox(locs: readonly number[], size: ImageSize): Box | null {
  const [ly1, lx1, ly2, lx2] = locs;
  if (!(ly2 > ly1 && lx2 > lx1)) return null;
  const [y1, x1, y2, x2] = [Math.trunc((ly1 / 1023) * size.height), Math.trunc((lx1 / 1023) * size.width), Math.trunc((ly2 / 1023) * size.height), Math.trunc((lx2 / 1023) * size.width)];
  if (x2 <= x1 || y2 <= y1) return null;
  return { xmin: x1, ymin: y1, xmax: x2, ymax: y2 };
}

export interface PlacedMask {
  /** Where the mask canvas went (pixels; xmax/ymax exclusive), null when the box was invalid. */
  box: Box | null;
  /** H x W row-major, 1 inside the object. */
  mask: Uint8Array;
  /** Pixels set. */
  area: number;
}

/** A 64x64 float mask [64 * 64] (row-major) and its object's loc values -> a binary mask over the whole image. */
export function placeMask(mask64: Float32Array, locs: readonly number[], size: ImageSize): PlacedMask {
  if (mask64.length !== MASK_SIZE * MASK_SIZE) throw new ArgumentError(`placeMask: expected a ${MASK_SIZE}x${MASK_SIZE} mask (${MASK_SIZE * MASK_SIZE} values), got ${mask64.length}`);
  if (locs.length !== 4) throw new ArgumentError(`placeMask: expected 4 loc values [ymin, xmin, ymax, xmax], got ${locs.length}`);
  const { width: W, height: H } = size;
  const mask = new Uint8Array(W * H); // [H, W]
  const box = maskBox(locs, size);
  if (!box) return { box, mask, area: 0 };
  const bw = box.xmax - box.xmin;
  const bh = box.ymax - box.ymin;
  const inBox = resizeFloatBilinear(mask64, MASK_SIZE, MASK_SIZE, bw, bh); // [bh, bw]
  let area = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      if (!(inBox[y * bw + x] > 0)) continue;
      mask[(box.ymin + y) * W + box.xmin + x] = 1;
      area++;
    }
  }
  return { box, mask, area };
}
