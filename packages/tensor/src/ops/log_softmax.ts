/**
 * log_softmax.ts — log-probabilities, computed without ever forming a tiny probability.
 *
 * Teaches: log softmax(x)_i = x_i - logsumexp(x) = (x_i - m) - log(sum_j e^(x_j - m)), m = max_j x_j.
 * log(softmax(x)) would underflow to log(0) = -Infinity for very unlikely tokens; this form stays
 * finite. Cross-entropy and sequence scoring (mean negative log-likelihood) use it.
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.nn.functional.log_softmax.html
 */
import { Tensor } from "../tensor.ts";
import { axisLayout } from "./axis.ts";

/** log_softmax along `axis` (default last), float32, same shape as x. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const { outer, n, inner } = axisLayout(x.shape, axis, "logSoftmax axis");
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, xv[base + i * inner]);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(xv[base + i * inner] - m);
      const logS = Math.log(s);
      for (let i = 0; i < n; i++) out[base + i * inner] = xv[base + i * inner] - m - logS;
    }
  }
  return new Tensor("float32", x.shape, out);
}
