/**
 * reduce.ts — sum, mean, max and argmax along one axis (or over everything).
 *
 * Teaches: a reduction folds the n values along an axis into one:
 *   sum(x)_r = sum_i x[r, i],  mean = sum / n,  max = max_i x[r, i],  argmax = the first i reaching max
 * With `axis` undefined the whole tensor is one row and the result is a scalar (shape []).
 * `keepdims` keeps the reduced axis as size 1 so the result still broadcasts against x.
 * NaN propagates through max and is "the largest" for argmax, like NumPy and PyTorch.
 *
 * Reference: https://numpy.org/doc/stable/reference/generated/numpy.sum.html (axis, keepdims)
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { axisLayout, reducedShape } from "./axis.ts";

type Fold = (values: Float32Array, base: number, n: number, stride: number) => number;

function reduce(name: string, x: Tensor, axis: number | undefined, keepdims: boolean, fold: Fold, dtype: "float32" | "int32" = "float32"): Tensor {
  const xv = x.toFloat32();
  if (axis === undefined) {
    if (xv.length === 0 && (name === "max" || name === "argmax")) throw new ShapeError(`${name}: cannot reduce an empty tensor`);
    const shape = keepdims ? x.shape.map(() => 1) : [];
    const v = fold(xv, 0, xv.length, 1);
    return new Tensor(dtype, shape, dtype === "int32" ? Int32Array.of(v) : Float32Array.of(v));
  }
  const { axis: a, outer, n, inner } = axisLayout(x.shape, axis, `${name} axis`);
  if (n === 0 && (name === "max" || name === "argmax")) throw new ShapeError(`${name}: axis ${axis} of [${x.shape.join(", ")}] is empty`);
  const out = dtype === "int32" ? new Int32Array(outer * inner) : new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) out[o * inner + j] = fold(xv, o * n * inner + j, n, inner);
  }
  return new Tensor(dtype, reducedShape(x.shape, a, keepdims), out);
}

const foldSum: Fold = (v, base, n, stride) => {
  let s = 0;
  for (let i = 0; i < n; i++) s += v[base + i * stride];
  return s;
};

const foldMax: Fold = (v, base, n, stride) => {
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = v[base + i * stride];
    if (x > m || Number.isNaN(x)) m = x;
    if (Number.isNaN(m)) break;
  }
  return m;
};

const foldArgmax: Fold = (v, base, n, stride) => {
  let best = 0;
  let m = v[base];
  for (let i = 1; i < n && !Number.isNaN(m); i++) {
    const x = v[base + i * stride];
    if (x > m || Number.isNaN(x)) {
      m = x;
      best = i;
    }
  }
  return best;
};

/** Sum along `axis` (all axes when undefined), float32. */
export function sum(x: Tensor, axis?: number, keepdims = false): Tensor {
  return reduce("sum", x, axis, keepdims, foldSum);
}

/** Arithmetic mean along `axis` (all axes when undefined), float32. Empty -> NaN. */
export function mean(x: Tensor, axis?: number, keepdims = false): Tensor {
  return reduce("mean", x, axis, keepdims, (v, base, n, stride) => foldSum(v, base, n, stride) / n);
}

/** Maximum along `axis` (all axes when undefined), float32. */
export function max(x: Tensor, axis?: number, keepdims = false): Tensor {
  return reduce("max", x, axis, keepdims, foldMax);
}

/** Index of the maximum along `axis` (first one on ties), int32. */
export function argmax(x: Tensor, axis = -1, keepdims = false): Tensor {
  return reduce("argmax", x, axis, keepdims, foldArgmax, "int32");
}

/** Sum (or mean) over several axes: one axis at a time, highest first. */
export function reduceAxes(x: Tensor, axes: readonly number[], keepdims: boolean, kind: "sum" | "mean"): Tensor {
  const norm = [...new Set(axes.map((a) => (a < 0 ? a + x.rank : a)))].sort((a, b) => b - a);
  let y = x;
  for (const a of norm) y = kind === "sum" ? sum(y, a, true) : mean(y, a, true);
  return keepdims ? y : y.reshape(x.shape.filter((_, i) => !norm.includes(i)));
}
