/**
 * soft_cap_backward.ts — the derivative of logit soft-capping, y = c * tanh(x / c).
 *
 * Teaches: chain rule, the c's cancel:
 *   dy/dx = c * (1 - tanh(x / c)^2) * (1 / c) = 1 - tanh(x / c)^2 = 1 - (y / c)^2
 * 1 near 0 (the identity), vanishing as |x| >> c: a capped logit stops learning, which is the point.
 * The attention kernel's soft-cap (before the mask) uses the same derivative (attention_backward.ts).
 *
 * Reference: Gemma 2 report, section 2 (https://arxiv.org/abs/2408.00118); PyTorch `tanh_backward`.
 */
import { ArgumentError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { pointwiseBackward } from "./pointwise_backward.ts";

/** dout, x (the forward's input), cap c > 0 -> dx = dout * (1 - tanh(x / c)^2). */
export function softCapBackward(dout: Tensor, x: Tensor, cap: number): Tensor {
  if (!(cap > 0) || !Number.isFinite(cap)) throw new ArgumentError(`softCapBackward: cap must be a finite number > 0, got ${cap}`);
  return pointwiseBackward("softCapBackward", dout, x, (v) => 1 - Math.tanh(v / cap) ** 2);
}
