/**
 * layer_norm.ts — LayerNorm over the last axis (SigLIP's norm).
 *
 * Teaches: normalize each row to zero mean and unit variance, then scale and shift:
 *   mean = sum(x) / D
 *   var  = sum((x - mean)^2) / D          (biased: divide by D, not D - 1)
 *   y    = (x - mean) / sqrt(var + eps) * weight + bias
 *
 * Reference: Ba et al., "Layer Normalization" (https://arxiv.org/abs/1607.06450);
 * https://pytorch.org/docs/stable/generated/torch.nn.LayerNorm.html
 * Leaves out: normalizing over more than one trailing axis.
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

/** mean and 1 / sqrt(var + eps) of the D values of row `off` (shared with layer_norm_backward.ts). */
export function rowMoments(xv: Float32Array, off: number, D: number, eps: number): { mean: number; rstd: number } {
  let mean = 0;
  for (let i = 0; i < D; i++) mean += xv[off + i];
  mean /= D;
  let variance = 0;
  for (let i = 0; i < D; i++) variance += (xv[off + i] - mean) ** 2;
  variance /= D;
  return { mean, rstd: 1 / Math.sqrt(variance + eps) };
}

/** LayerNorm of x [..., D] over D; weight and bias [D] or null. float32. */
export function layerNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): Tensor {
  if (x.rank < 1) throw new ShapeError("layerNorm: input must have rank >= 1");
  const D = x.shape[x.rank - 1];
  for (const [name, t] of [["weight", weight], ["bias", bias]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== D)) {
      throw new ShapeError(`layerNorm: ${name} must be [${D}] for input [${x.shape.join(", ")}], got [${t.shape.join(", ")}]`);
    }
  }
  const xv = x.toFloat32();
  const w = weight ? weight.toFloat32() : null;
  const b = bias ? bias.toFloat32() : null;
  const out = new Float32Array(xv.length);
  const rows = D === 0 ? 0 : xv.length / D;
  for (let r = 0; r < rows; r++) {
    const off = r * D;
    const { mean, rstd: inv } = rowMoments(xv, off, D, eps);
    for (let i = 0; i < D; i++) {
      let y = (xv[off + i] - mean) * inv;
      if (w) y *= w[i];
      if (b) y += b[i];
      out[off + i] = y;
    }
  }
  return new Tensor("float32", x.shape, out);
}
