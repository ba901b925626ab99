/**
 * tanh_backward.ts — the derivative of tanh, from its output.
 *
 * Teaches: tanh'(x) = 1 - tanh(x)^2 = 1 - y^2, so dx = dout * (1 - y^2): saturated units (|y| ~ 1)
 * pass almost no gradient.
 *
 * References: PyTorch `tanh_backward(grad, output)`; Karpathy, micrograd (`tanh`).
 */
import type { Tensor } from "../tensor.ts";
import { pointwiseBackward } from "./pointwise_backward.ts";

/** dout, y = tanh(x) (the forward's output) -> dx = dout * (1 - y^2). */
export function tanhBackward(dout: Tensor, y: Tensor): Tensor {
  return pointwiseBackward("tanhBackward", dout, y, (v) => 1 - v * v);
}
