/**
 * log_sigmoid_backward.ts — the derivative of log(sigmoid(x)), without overflow.
 *
 * Teaches: log sigmoid(x) = -softplus(-x) and softplus'(y) = sigmoid(y), so
 *   d/dx log sigmoid(x) = sigmoid(-x) = 1 / (1 + e^x)
 * which is 1 for x << 0 (a wrong, confident answer learns at full speed) and 0 for x >> 0.
 * Computed as e^-x / (1 + e^-x) for x > 0 so e^x never overflows (e^1000 = Infinity would still give
 * 0 here, but the symmetric form keeps full relative precision for large x too).
 *
 * Reference: PyTorch `log_sigmoid_backward`; SigLIP, Zhai et al. 2023 (https://arxiv.org/abs/2303.15343).
 */
import type { Tensor } from "../tensor.ts";
import { pointwiseBackward } from "./pointwise_backward.ts";

/** sigmoid(-x) = 1 / (1 + e^x), stable for any x. */
export function sigmoidOfNegative(x: number): number {
  if (x > 0) {
    const e = Math.exp(-x);
    return e / (1 + e);
  }
  return 1 / (1 + Math.exp(x));
}

/** dout, x (the forward's input) -> dx = dout * sigmoid(-x). */
export function logSigmoidBackward(dout: Tensor, x: Tensor): Tensor {
  return pointwiseBackward("logSigmoidBackward", dout, x, sigmoidOfNegative);
}
