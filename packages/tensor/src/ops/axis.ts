/**
 * axis.ts — walking one axis of a row-major tensor.
 *
 * Teaches: any shape can be seen as [outer, n, inner] around an axis. Element (o, i, j) sits at
 *   flat = (o * n + i) * inner + j
 * so the n values along the axis for a fixed (o, j) are `inner` apart. Softmax, reductions and
 * top-k all loop over (o, j) pairs and read one such strided "row".
 *
 * Reference: NumPy's `apply_along_axis`; https://numpy.org/doc/stable/reference/arrays.ndarray.html
 */
import { type Shape, normAxis, numel } from "../tensor.ts";

export interface AxisLayout {
  /** The axis, made non-negative. */
  axis: number;
  /** Product of the dimensions before the axis. */
  outer: number;
  /** Length of the axis. */
  n: number;
  /** Product of the dimensions after the axis (the stride of the axis). */
  inner: number;
}

/** Split `shape` into [outer, n, inner] around `axis` (negative counts from the end). */
export function axisLayout(shape: Shape, axis: number, what = "axis"): AxisLayout {
  const a = normAxis(axis, shape.length, what);
  return { axis: a, outer: numel(shape.slice(0, a)), n: shape[a], inner: numel(shape.slice(a + 1)) };
}

/** `shape` with the axis removed (keepdims = false) or set to 1 (keepdims = true). */
export function reducedShape(shape: Shape, axis: number, keepdims: boolean): number[] {
  return keepdims ? shape.map((d, i) => (i === axis ? 1 : d)) : shape.filter((_, i) => i !== axis);
}
