/**
 * reduce_backward.ts — gradients of sum and mean over several axes: broadcast back, divide for mean.
 *
 * Teaches: out = sum over `axes` of x reads every element once with weight 1, so every element of x
 * gets the gradient of the output element it was summed into; mean divides by the count:
 *   sum:   dx[idx] = dout[idx with the reduced axes at 0]
 *   mean:  dx[idx] = dout[...] / n,   n = product of the reduced axes' lengths
 * Without keepDims the reduced axes are missing from dout: they are put back as 1 first, then dout
 * broadcasts to x's shape. This is the mirror image of `unbroadcast` (binary_backward.ts).
 *
 * Reference: PyTorch derivatives.yaml (`sum.dim_IntList: sum_backward`, `mean.dim`).
 * Leaves out: max/argmax reductions (their gradient picks one element; not in Ops).
 */
import { ArgumentError, ShapeError } from "../errors.ts";
import { type Shape, Tensor, normAxis, numel } from "../tensor.ts";
import { broadcastSourceIndex } from "./binary_backward.ts";

/** dout (x reduced over `axes`) -> dx with x's shape; kind "sum" or "mean". */
export function reduceBackward(dout: Tensor, xShape: Shape, axes: readonly number[], keepDims: boolean, kind: "sum" | "mean"): Tensor {
  if (kind !== "sum" && kind !== "mean") throw new ArgumentError(`reduceBackward: kind must be "sum" or "mean", got ${String(kind)}`);
  const reduced = new Set(axes.map((a) => normAxis(a, xShape.length, "reduceBackward axis")));
  const kept = xShape.map((d, i) => (reduced.has(i) ? 1 : d)); // dout's shape with keepDims
  const expected = keepDims ? kept : xShape.filter((_, i) => !reduced.has(i));
  if (dout.shape.join() !== expected.join()) {
    throw new ShapeError(`reduceBackward: dout is [${dout.shape.join(", ")}], x [${xShape.join(", ")}] reduced over [${[...reduced].join(", ")}] is [${expected.join(", ")}]`);
  }
  const n = numel(xShape) / Math.max(1, numel(kept)); // elements folded into each output
  const scale = kind === "mean" ? 1 / n : 1;
  const src = broadcastSourceIndex(kept, xShape); // each x element's output element
  const gv = dout.toFloat32();
  const dx = new Float32Array(src.length);
  for (let o = 0; o < dx.length; o++) dx[o] = gv[src[o]] * scale;
  return new Tensor("float32", xShape, dx);
}
