/**
 * logsumexp.ts — log(sum(exp(x))) along an axis, without overflow.
 *
 * Teaches: logsumexp(x) = m + log(sum_j e^(x_j - m)) with m = max_j x_j. A row of all -Infinity
 * gives -Infinity (log 0), and a row containing +Infinity gives +Infinity, like PyTorch.
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.logsumexp.html
 */
import { Tensor } from "../tensor.ts";
import { axisLayout, reducedShape } from "./axis.ts";

/** logsumexp along `axis` (default last); the axis is removed unless keepdims. float32. */
export function logsumexp(x: Tensor, axis = -1, keepdims = false): Tensor {
  const { axis: a, outer, n, inner } = axisLayout(x.shape, axis, "logsumexp axis");
  const xv = x.toFloat32();
  const out = new Float32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * n * inner + j;
      let m = -Infinity;
      for (let i = 0; i < n; i++) m = Math.max(m, xv[base + i * inner]);
      if (m === -Infinity || m === Infinity) {
        out[o * inner + j] = m; // log(0) or overflow; avoids inf - inf = NaN below
        continue;
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(xv[base + i * inner] - m);
      out[o * inner + j] = m + Math.log(s);
    }
  }
  return new Tensor("float32", reducedShape(x.shape, a, keepdims), out);
}
