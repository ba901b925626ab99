/**
 * softmax.ts — turn a row of scores into probabilities.
 *
 * Teaches: softmax(x)_i = e^(x_i) / sum_j e^(x_j). Subtracting the row max m first changes nothing
 * mathematically (e^(x_i - m) / sum_j e^(x_j - m), the e^-m cancels) but keeps every exponent <= 0,
 * so e^ never overflows: softmax([1e4, 0]) is [1, 0], not NaN.
 *
 * A row that is entirely -Infinity has no defined softmax and gives NaN, like PyTorch; attention
 * handles fully masked rows itself (see attention.ts).
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html;
 * Goodfellow et al., Deep Learning, section 4.1 (numerical stability of softmax).
 */
import { Tensor } from "../tensor.ts";
import { axisLayout } from "./axis.ts";

/** softmax along `axis` (default last), float32, same shape as x. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const { outer, n, inner } = axisLayout(x.shape, axis, "softmax axis");
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j; // element i of this row is at base + i * inner
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, xv[base + i * inner]);
      let s = 0;
      for (let i = 0; i < n; i++) {
        const e = Math.exp(xv[base + i * inner] - m);
        out[base + i * inner] = e;
        s += e;
      }
      for (let i = 0; i < n; i++) out[base + i * inner] /= s;
    }
  }
  return new Tensor("float32", x.shape, out);
}
