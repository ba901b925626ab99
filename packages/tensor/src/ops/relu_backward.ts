/**
 * relu_backward.ts — the derivative of relu, from its input.
 *
 * Teaches: relu'(x) = 1 if x > 0 else 0, so dx = dout where the unit was on and 0 where it was off
 * (a "dead" unit passes no gradient at all). At x = 0 the derivative is undefined; PyTorch and this
 * file take 0.
 *
 * Reference: PyTorch derivatives.yaml (`threshold_backward(grad, self, 0)`).
 */
import type { Tensor } from "../tensor.ts";
import { pointwiseBackward } from "./pointwise_backward.ts";

/** dout, x (the forward's input) -> dx = dout * [x > 0]. */
export function reluBackward(dout: Tensor, x: Tensor): Tensor {
  return pointwiseBackward("reluBackward", dout, x, (v) => (v > 0 ? 1 : 0));
}
