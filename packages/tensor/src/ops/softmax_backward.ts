/**
 * softmax_backward.ts — the vector-Jacobian product of softmax along an axis, from its output.
 *
 * Teaches: y = softmax(x) has Jacobian dy_i/dx_j = y_i (delta_ij - y_j), so for an upstream dy
 *   dx_j = sum_i dy_i y_i (delta_ij - y_j) = y_j (dy_j - sum_i dy_i y_i)
 * One dot product per row, never the n x n Jacobian. Adding a constant to dy changes nothing (the
 * output sums to 1), and a masked entry (y_j = 0) gets dx_j = 0 exactly.
 *
 * References: PyTorch `_softmax_backward_data`; llm.c `attention_backward` (the same step inside attention);
 * Karpathy, "Backprop ninja" (cross-entropy through softmax).
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { axisLayout } from "./axis.ts";

/**
 * The frame both softmax backwards share: check shapes, then for every row of `axis` call
 * row(g, y, dx, base, n, inner), element i of the row sitting at base + i * inner.
 */
export function rowwiseBackward(name: string, dout: Tensor, y: Tensor, axis: number, row: (g: Float32Array, y: Float32Array, dx: Float32Array, base: number, n: number, inner: number) => void): Tensor {
  if (dout.shape.join() !== y.shape.join()) throw new ShapeError(`${name}: dout [${dout.shape.join(", ")}] and y [${y.shape.join(", ")}] must have one shape`);
  const { outer, n, inner } = axisLayout(y.shape, axis, `${name} axis`);
  const gv = dout.toFloat32();
  const yv = y.toFloat32();
  const dx = new Float32Array(yv.length);
  for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) row(gv, yv, dx, o * n * inner + j, n, inner);
  return new Tensor("float32", y.shape, dx);
}

/** dout, y = softmax(x, axis) -> dx = y * (dout - sum(dout * y, axis)). */
export function softmaxBackward(dout: Tensor, y: Tensor, axis = -1): Tensor {
  return rowwiseBackward("softmaxBackward", dout, y, axis, (gv, yv, dx, base, n, inner) => {
    let dot = 0; // sum_i dy_i y_i
    for (let i = 0; i < n; i++) dot += gv[base + i * inner] * yv[base + i * inner];
    for (let i = 0; i < n; i++) dx[base + i * inner] = yv[base + i * inner] * (gv[base + i * inner] - dot);
  });
}
