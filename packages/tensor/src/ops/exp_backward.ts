/**
 * exp_backward.ts — the derivative of e^x is e^x.
 *
 * Teaches: dy/dx = e^x = y, so the backward needs only the forward's OUTPUT: dx = dout * y.
 *
 * Reference: PyTorch derivatives.yaml (`exp: grad * result`).
 */
import type { Tensor } from "../tensor.ts";
import { pointwiseBackward } from "./pointwise_backward.ts";

/** dout, y = exp(x) (the forward's output) -> dx = dout * y. */
export function expBackward(dout: Tensor, y: Tensor): Tensor {
  return pointwiseBackward("expBackward", dout, y, (v) => v);
}
