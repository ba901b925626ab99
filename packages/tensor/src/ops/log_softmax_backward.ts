/**
 * log_softmax_backward.ts — the vector-Jacobian product of log-softmax, from its output.
 *
 * Teaches: y_i = x_i - logsumexp(x) and d logsumexp / dx_j = softmax(x)_j = e^(y_j), so
 *   dx_j = dy_j - e^(y_j) * sum_i dy_i
 * With cross-entropy's dy = -onehot(target) this is the famous softmax(x) - onehot(target).
 * e^(y_j) <= 1 never overflows (y <= 0), so no max subtraction is needed here.
 *
 * References: PyTorch `_log_softmax_backward_data`; Karpathy, "Backprop ninja" (dlogits = softmax - 1 at the target).
 */
import type { Tensor } from "../tensor.ts";
import { rowwiseBackward } from "./softmax_backward.ts";

/** dout, y = logSoftmax(x, axis) -> dx = dout - exp(y) * sum(dout, axis). */
export function logSoftmaxBackward(dout: Tensor, y: Tensor, axis = -1): Tensor {
  return rowwiseBackward("logSoftmaxBackward", dout, y, axis, (gv, yv, dx, base, n, inner) => {
    let total = 0; // sum_i dy_i
    for (let i = 0; i < n; i++) total += gv[base + i * inner];
    for (let i = 0; i < n; i++) dx[base + i * inner] = gv[base + i * inner] - Math.exp(yv[base + i * inner]) * total;
  });
}
