/**
 * rms_norm.ts — Gemma's RMSNorm, with its "1 + w" scale.
 *
 * Teaches: RMSNorm drops LayerNorm's mean subtraction and bias and only rescales by the root mean square:
 *   y = x / sqrt(mean(x^2) + eps) * (1 + w)
 * Gemma stores w centred on 0 (a freshly initialised norm is the identity), hence `1 + w`; Llama stores
 * the scale itself. Loading a Gemma checkpoint into a Llama-style norm silently shrinks every activation,
 * so this file names the convention. Gemma computes the norm in float32 even for bf16 weights.
 *
 * References: Zhang & Sennrich, "Root Mean Square Layer Normalization" (https://arxiv.org/abs/1910.07467);
 * Hugging Face transformers `GemmaRMSNorm` (models/gemma/modeling_gemma.py).
 * Leaves out: the loop itself (the `rmsNorm` op in @paligemma-ts/tensor).
 */
import { type Tensor, rmsNorm as rmsNormKernel } from "@paligemma-ts/tensor";

/** Gemma RMSNorm of x [..., D] with weight [D]: x * rsqrt(mean(x^2) + eps) * (1 + w), float32. */
export function rmsNorm(x: Tensor, weight: Tensor, eps: number): Tensor {
  return rmsNormKernel(x, weight, eps, { unitOffset: true });
}
