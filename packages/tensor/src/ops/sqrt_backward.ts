/**
 * sqrt_backward.ts — the derivative of sqrt(x), from its output.
 *
 * Teaches: d sqrt(x)/dx = 1 / (2 sqrt(x)) = 1 / (2y): dx = dout / (2y). At x = 0 the slope is
 * infinite (dx = +-Infinity, or NaN for dout = 0), as in PyTorch: add an eps inside the sqrt of a
 * norm that can be 0.
 *
 * Reference: PyTorch derivatives.yaml (`sqrt: grad / (2 * result)`).
 */
import type { Tensor } from "../tensor.ts";
import { pointwiseBackward } from "./pointwise_backward.ts";

/** dout, y = sqrt(x) (the forward's output) -> dx = dout / (2y). */
export function sqrtBackward(dout: Tensor, y: Tensor): Tensor {
  return pointwiseBackward("sqrtBackward", dout, y, (v) => 1 / (2 * v));
}
