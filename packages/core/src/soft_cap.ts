/**
 * soft_cap.ts — Gemma 2's logit soft-capping.
 *
 * Teaches: instead of clipping, squash values smoothly into (-c, c):
 *   softcap(x, c) = c * tanh(x / c)
 * Near 0 it is the identity (tanh(u) ~ u), far out it saturates at +-c. Gemma 2 caps attention scores
 * (c = 50, before the mask is added) and final logits (c = 30), which keeps training stable.
 *
 * Reference: Gemma 2 report, section 2 (https://arxiv.org/abs/2408.00118).
 */
import { Tensor } from "@paligemma-ts/tensor";

/** c * tanh(x / c) elementwise, float32; `cap` null or 0 returns x unchanged. */
export function softCap(x: Tensor, cap: number | null | undefined): Tensor {
  if (!cap) return x;
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = cap * Math.tanh(xv[i] / cap);
  return new Tensor("float32", x.shape, out);
}
