/**
 * binary.ts — elementwise add, sub, mul, div with NumPy broadcasting.
 *
 * Teaches: broadcasting. Align the two shapes at their last axis; each pair of dimensions must be
 * equal or one of them 1; the output takes the larger. A size-1 (or missing) dimension is "stretched"
 * by giving it stride 0, so the same element is read again and again without copying:
 *   [4, 1, 3] op [5, 1] -> [4, 5, 3]
 *   out[i, j, k] = a[i, 0, k] op b[j, 0]
 *
 * Reference: https://numpy.org/doc/stable/user/basics.broadcasting.html
 * Leaves out: integer arithmetic (inputs are converted to float32, the output is float32).
 */
import { ShapeError } from "../errors.ts";
import { type Shape, Tensor, numel, stridesOf } from "../tensor.ts";

/** The broadcast shape of `a` and `b` (NumPy rules); throws ShapeError when they do not fit. */
export function broadcastShapes(a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 1; i <= rank; i++) {
    const da = i <= a.length ? a[a.length - i] : 1;
    const db = i <= b.length ? b[b.length - i] : 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`cannot broadcast shapes [${a.join(", ")}] and [${b.join(", ")}]: dimension ${da} vs ${db}`);
    }
    out[rank - i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides (in elements) for reading a tensor of shape `inShape` as if it had the (larger) shape
 * `outShape`: 0 on every stretched or missing dimension. Length = outShape.length.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const st = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  if (lead < 0) throw new ShapeError(`cannot broadcast [${inShape.join(", ")}] to lower rank [${outShape.join(", ")}]`);
  return outShape.map((d, i) => {
    if (i < lead) return 0;
    const din = inShape[i - lead];
    if (din === d) return din === 1 ? 0 : st[i - lead];
    if (din === 1) return 0;
    throw new ShapeError(`cannot broadcast [${inShape.join(", ")}] to [${outShape.join(", ")}]`);
  });
}

type BinaryFn = (x: number, y: number) => number;

function binary(name: string, fn: BinaryFn, a: Tensor, b: Tensor | number): Tensor {
  const bt = typeof b === "number" ? new Tensor("float32", [], Float32Array.of(b)) : b;
  const av = a.toFloat32();
  const bv = bt.toFloat32();
  let shape: number[];
  try {
    shape = broadcastShapes(a.shape, bt.shape);
  } catch (e) {
    throw new ShapeError(`${name}: ${(e as Error).message}`);
  }
  const n = numel(shape);
  const out = new Float32Array(n);
  // Fast paths: same shape, or b a single value.
  if (av.length === n && bv.length === n) {
    for (let i = 0; i < n; i++) out[i] = fn(av[i], bv[i]);
    return new Tensor("float32", shape, out);
  }
  if (av.length === n && bv.length === 1) {
    for (let i = 0; i < n; i++) out[i] = fn(av[i], bv[0]);
    return new Tensor("float32", shape, out);
  }
  // General case: walk the output multi-index, moving each input by its (possibly 0) stride.
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(bt.shape, shape);
  const rank = shape.length;
  const idx = new Array<number>(rank).fill(0);
  let ia = 0;
  let ib = 0;
  for (let o = 0; o < n; o++) {
    out[o] = fn(av[ia], bv[ib]);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      ia += sa[d];
      ib += sb[d];
      if (idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d];
      ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
  return new Tensor("float32", shape, out);
}

/** a + b, broadcast. */
export function add(a: Tensor, b: Tensor | number): Tensor {
  return binary("add", (x, y) => x + y, a, b);
}

/** a - b, broadcast. */
export function sub(a: Tensor, b: Tensor | number): Tensor {
  return binary("sub", (x, y) => x - y, a, b);
}

/** a * b, broadcast. */
export function mul(a: Tensor, b: Tensor | number): Tensor {
  return binary("mul", (x, y) => x * y, a, b);
}

/** a / b, broadcast (IEEE: x/0 = +-Infinity, 0/0 = NaN). */
export function div(a: Tensor, b: Tensor | number): Tensor {
  return binary("div", (x, y) => x / y, a, b);
}
