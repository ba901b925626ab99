/**
 * linear.ts — a fully connected layer, as PyTorch's nn.Linear stores it.
 *
 * Teaches: y = x W^T + b, with W stored [out_features, in_features]. Each output is a dot product
 * of one input row with one weight row, so no transpose is ever materialized:
 *   y[r, o] = sum_i x[r, i] * W[o, i] + b[o]
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
 */
import { ShapeError } from "../errors.ts";
import { Tensor, numel } from "../tensor.ts";

/** x [..., in], weight [out, in], bias [out] or null -> [..., out], float32. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  if (weight.rank !== 2) throw new ShapeError(`linear: weight must be [out, in], got [${weight.shape.join(", ")}]`);
  const [O, I] = weight.shape;
  if (x.rank < 1 || x.shape[x.rank - 1] !== I) {
    throw new ShapeError(`linear: input [${x.shape.join(", ")}] must end in in_features ${I} (weight [${O}, ${I}])`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== O)) {
    throw new ShapeError(`linear: bias must be [${O}], got [${bias.shape.join(", ")}]`);
  }
  const xv = x.toFloat32();
  const wv = weight.toFloat32();
  const bv = bias ? bias.toFloat32() : null;
  const R = numel(x.shape.slice(0, -1)); // number of input rows
  const out = new Float32Array(R * O); // [..., out]
  for (let r = 0; r < R; r++) {
    const xOff = r * I;
    for (let o = 0; o < O; o++) {
      const wOff = o * I;
      let s = 0;
      for (let i = 0; i < I; i++) s += xv[xOff + i] * wv[wOff + i];
      out[r * O + o] = bv ? s + bv[o] : s;
    }
  }
  return new Tensor("float32", [...x.shape.slice(0, -1), O], out);
}
