/**
 * rms_norm_backward.ts — gradients of RMSNorm over the last axis, Gemma's (1 + w) or a plain w.
 *
 * Teaches: per row of D values, r = 1 / sqrt(mean(x^2) + eps) and y = x * r * s with s = 1 + w
 * (Gemma, unitOffset) or s = w. Backward, recomputing r:
 *   dw[i] = sum over rows of dy[i] * x[i] * r          both ways: d(1 + w)/dw = dw/dw = 1, so the
 *                                                       gradient is w.r.t. the STORED w either way
 *   g[i]  = dy[i] * s[i]                                the gradient reaching x * r
 *   dx[i] = r * (g[i] - x[i] * r^2 * mean(g * x))
 * The second term is x reaching its own r: dr/dx[i] = -r^3 x[i] / D. Like LayerNorm without the mean
 * term, so dx is orthogonal to x when eps = 0 (the output ignores a row's scale); eps > 0 makes tiny
 * rows (mean(x^2) ~ eps) see their scale, and the formula holds for any eps.
 *
 * References: Zhang & Sennrich, "Root Mean Square Layer Normalization" (https://arxiv.org/abs/1910.07467,
 * section 3, the gradient); llm.c `rmsnorm_backward` (llama3 branch); Hugging Face `GemmaRMSNorm` (1 + w).
 * Leaves out: saved statistics from the forward (r is recomputed).
 */
import { Tensor } from "../tensor.ts";
import { type NormGrads, checkNormBackward } from "./layer_norm_backward.ts";
import { rmsInverse } from "./rms_norm.ts";

/** dout, x [..., D], weight [D] or null -> dx [..., D], dweight [D] (null without weight). unitOffset default true. */
export function rmsNormBackward(dout: Tensor, x: Tensor, weight: Tensor | null, eps = 1e-6, options: { unitOffset?: boolean } = {}): NormGrads {
  const unitOffset = options.unitOffset ?? true;
  const D = checkNormBackward("rmsNormBackward", dout, x, [["weight", weight]]);
  const xv = x.toFloat32();
  const gv = dout.toFloat32();
  const w = weight ? weight.toFloat32() : null;
  const dx = new Float32Array(xv.length);
  const dw = new Float64Array(D);
  const rows = D === 0 ? 0 : xv.length / D;
  for (let r = 0; r < rows; r++) {
    const off = r * D;
    const rinv = rmsInverse(xv, off, D, eps); // r, recomputed
    let gx = 0; // mean(g * x)
    for (let i = 0; i < D; i++) {
      const s = w ? (unitOffset ? 1 + w[i] : w[i]) : 1;
      gx += gv[off + i] * s * xv[off + i];
      dw[i] += gv[off + i] * xv[off + i] * rinv;
    }
    gx /= D;
    for (let i = 0; i < D; i++) {
      const s = w ? (unitOffset ? 1 + w[i] : w[i]) : 1;
      dx[off + i] = rinv * (gv[off + i] * s - xv[off + i] * rinv * rinv * gx);
    }
  }
  return { dx: new Tensor("float32", x.shape, dx), dweight: weight ? new Tensor("float32", [D], Float32Array.from(dw)) : null };
}
