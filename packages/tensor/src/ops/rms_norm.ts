/**
 * rms_norm.ts — RMSNorm over the last axis (Gemma's norm).
 *
 * Teaches: scale each row by the inverse of its root mean square; no mean subtraction, no bias:
 *   y = x / sqrt(mean(x^2) + eps) * (1 + w)     Gemma ("unit offset": weights stored around 0)
 *   y = x / sqrt(mean(x^2) + eps) * w           Llama / T5 (unitOffset: false)
 * Gemma computes this in float32 even for bf16 checkpoints; so does this reference.
 *
 * Reference: Zhang & Sennrich, "Root Mean Square Layer Normalization" (https://arxiv.org/abs/1910.07467);
 * Hugging Face transformers `GemmaRMSNorm` (modeling_gemma.py).
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

/** 1 / sqrt(mean(x^2) + eps) of the D values of row `off` (shared with rms_norm_backward.ts). */
export function rmsInverse(xv: Float32Array, off: number, D: number, eps: number): number {
  let ms = 0;
  for (let i = 0; i < D; i++) ms += xv[off + i] * xv[off + i];
  ms /= D;
  return 1 / Math.sqrt(ms + eps);
}

/** RMSNorm of x [..., D]; weight [D] or null (no scale). unitOffset defaults to true (Gemma's 1 + w). */
export function rmsNorm(x: Tensor, weight: Tensor | null, eps = 1e-6, options: { unitOffset?: boolean } = {}): Tensor {
  const unitOffset = options.unitOffset ?? true;
  if (x.rank < 1) throw new ShapeError("rmsNorm: input must have rank >= 1");
  const D = x.shape[x.rank - 1];
  if (weight && (weight.rank !== 1 || weight.shape[0] !== D)) {
    throw new ShapeError(`rmsNorm: weight must be [${D}] for input [${x.shape.join(", ")}], got [${weight.shape.join(", ")}]`);
  }
  const xv = x.toFloat32();
  const w = weight ? weight.toFloat32() : null;
  const out = new Float32Array(xv.length);
  const rows = D === 0 ? 0 : xv.length / D;
  for (let r = 0; r < rows; r++) {
    const off = r * D;
    const inv = rmsInverse(xv, off, D, eps);
    for (let i = 0; i < D; i++) {
      const scale = w ? (unitOffset ? 1 + w[i] : w[i]) : 1;
      out[off + i] = xv[off + i] * inv * scale;
    }
  }
  return new Tensor("float32", x.shape, out);
}
