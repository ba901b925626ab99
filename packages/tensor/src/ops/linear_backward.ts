/**
 * linear_backward.ts — gradients of nn.Linear, y = x W^T + b with W stored [out, in].
 *
 * Teaches: flatten x to rows [R, in] (R = product of the leading axes). y[r, o] = sum_i x[r, i] W[o, i] + b[o]:
 *   dx[r, i] = sum_o dy[r, o] W[o, i]         dx = dy @ W          [R, out] @ [out, in]
 *   dW[o, i] = sum_r dy[r, o] x[r, i]         dW = dy^T @ x        [out, R] @ [R, in]
 *   db[o]    = sum_r dy[r, o]                 every row added the same bias
 * The weight gradient sums over every row of every batch: one weight, many uses. Accumulated in
 * float64, rounded once to float32.
 *
 * References: llm.c `matmul_backward` (the same three loops, W [OC, C]); PyTorch derivatives.yaml (`linear`).
 * Leaves out: quantized weights (a quantized weight is not trained; train in float32).
 */
import { ShapeError } from "../errors.ts";
import { Tensor, numel } from "../tensor.ts";

export interface LinearGrads {
  dx: Tensor;
  dweight: Tensor;
  dbias: Tensor | null;
}

/** dout [..., out], x [..., in], weight [out, in] -> dx [..., in], dweight [out, in], dbias [out] (null without bias). */
export function linearBackward(dout: Tensor, x: Tensor, weight: Tensor, hasBias: boolean): LinearGrads {
  if (weight.rank !== 2) throw new ShapeError(`linearBackward: weight must be [out, in], got [${weight.shape.join(", ")}]`);
  const [O, I] = weight.shape;
  const lead = x.shape.slice(0, -1);
  if (x.rank < 1 || x.shape[x.rank - 1] !== I || dout.shape.join() !== [...lead, O].join()) {
    throw new ShapeError(`linearBackward: x [${x.shape.join(", ")}] must be [..., ${I}] and dout [${dout.shape.join(", ")}] [..., ${O}] for weight [${O}, ${I}]`);
  }
  const xv = x.toFloat32();
  const wv = weight.toFloat32();
  const gv = dout.toFloat32();
  const R = numel(lead);
  const dx = new Float32Array(R * I); // [..., in]
  const dw = new Float64Array(O * I); // [out, in]
  const db = new Float64Array(O); // [out]
  const row = new Float64Array(I);
  for (let r = 0; r < R; r++) {
    row.fill(0);
    for (let o = 0; o < O; o++) {
      const g = gv[r * O + o];
      db[o] += g;
      for (let i = 0; i < I; i++) {
        row[i] += g * wv[o * I + i]; // dx[r] += dy[r, o] W[o]
        dw[o * I + i] += g * xv[r * I + i]; // dW[o] += dy[r, o] x[r]
      }
    }
    dx.set(row, r * I);
  }
  return {
    dx: new Tensor("float32", x.shape, dx),
    dweight: new Tensor("float32", [O, I], Float32Array.from(dw)),
    dbias: hasBias ? new Tensor("float32", [O], Float32Array.from(db)) : null,
  };
}
