/**
 * soft_cap.ts — logit soft-capping (Gemma 2): squash values smoothly into (-c, c).
 *
 * Teaches: instead of clipping,
 *   softcap(x, c) = c * tanh(x / c)
 * Near 0 it is the identity (tanh(u) ~ u), far out it saturates at +-c. Gemma 2 caps attention scores
 * (c = 50, before the mask is added; inside the attention kernel) and final logits (c = 30), which
 * keeps training stable.
 *
 * Reference: Gemma 2 report, section 2 (https://arxiv.org/abs/2408.00118).
 */
import { ArgumentError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

/** c * tanh(x / c) elementwise, float32; `cap` must be > 0. */
export function softCap(x: Tensor, cap: number): Tensor {
  if (!(cap > 0) || !Number.isFinite(cap)) throw new ArgumentError(`softCap: cap must be a finite number > 0, got ${cap}`);
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = cap * Math.tanh(xv[i] / cap);
  return new Tensor("float32", x.shape, out);
}
