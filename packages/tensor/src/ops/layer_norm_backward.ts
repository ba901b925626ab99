/**
 * layer_norm_backward.ts — gradients of LayerNorm over the last axis (llm.c's layernorm_backward).
 *
 * Teaches: per row of D values, with mean mu, rstd = 1 / sqrt(var + eps) and xhat = (x - mu) * rstd,
 * the forward is y = xhat * w + b. Backward (recomputing mu and rstd from x, which is cheap):
 *   db[i]   = sum over rows of dy[i]
 *   dw[i]   = sum over rows of dy[i] * xhat[i]
 *   g[i]    = dy[i] * w[i]                                   the gradient reaching xhat
 *   dx[i]   = rstd * (g[i] - mean(g) - xhat[i] * mean(g * xhat))
 * The two means are the two ways x reaches every xhat besides directly: through mu (every xhat moves
 * by -rstd when mu grows: -mean(g)) and through rstd (scaling: -xhat * mean(g * xhat)). So dx sums
 * to 0 over the row, and is orthogonal to xhat: the output is invariant to shifting a row, and
 * (with eps = 0) to scaling it. eps > 0 breaks the scale invariance a little; the formula is exact for any eps.
 *
 * References: llm.c `layernorm_backward` (train_gpt2.c); Karpathy, "Backprop ninja" (batchnorm in one
 * line); PyTorch `native_layer_norm_backward`.
 * Leaves out: normalizing over more than one trailing axis; the saved-statistics variant (mean/rstd
 * from the forward): recomputing them keeps the signature to the forward's inputs.
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { rowMoments } from "./layer_norm.ts";

export interface NormGrads {
  dx: Tensor;
  /** Gradient of the stored weight (null when the norm has none). */
  dweight: Tensor | null;
}

/** Shared checks of the two norms' backward: dout like x [..., D], a weight (if any) [D]. */
export function checkNormBackward(name: string, dout: Tensor, x: Tensor, params: readonly (readonly [string, Tensor | null])[]): number {
  if (x.rank < 1 || dout.shape.join() !== x.shape.join()) {
    throw new ShapeError(`${name}: dout [${dout.shape.join(", ")}] must have x's shape [${x.shape.join(", ")}] (rank >= 1)`);
  }
  const D = x.shape[x.rank - 1];
  for (const [what, t] of params) {
    if (t && (t.rank !== 1 || t.shape[0] !== D)) throw new ShapeError(`${name}: ${what} must be [${D}], got [${t.shape.join(", ")}]`);
  }
  return D;
}

/** dout, x [..., D], weight/bias [D] or null -> dx [..., D], dweight [D] | null, dbias [D] | null. */
export function layerNormBackward(dout: Tensor, x: Tensor, weight: Tensor | null, bias: Tensor | null, eps = 1e-5): NormGrads & { dbias: Tensor | null } {
  const D = checkNormBackward("layerNormBackward", dout, x, [["weight", weight], ["bias", bias]]);
  const xv = x.toFloat32();
  const gv = dout.toFloat32();
  const w = weight ? weight.toFloat32() : null;
  const dx = new Float32Array(xv.length);
  const dw = new Float64Array(D);
  const db = new Float64Array(D);
  const xhat = new Float64Array(D);
  const rows = D === 0 ? 0 : xv.length / D;
  for (let r = 0; r < rows; r++) {
    const off = r * D;
    const { mean: mu, rstd } = rowMoments(xv, off, D, eps); // recomputed, not saved
    let gMean = 0; // mean(g)
    let gxMean = 0; // mean(g * xhat)
    for (let i = 0; i < D; i++) {
      xhat[i] = (xv[off + i] - mu) * rstd;
      const g = gv[off + i] * (w ? w[i] : 1);
      gMean += g;
      gxMean += g * xhat[i];
      db[i] += gv[off + i];
      dw[i] += gv[off + i] * xhat[i];
    }
    gMean /= D;
    gxMean /= D;
    for (let i = 0; i < D; i++) {
      const g = gv[off + i] * (w ? w[i] : 1);
      dx[off + i] = rstd * (g - gMean - xhat[i] * gxMean);
    }
  }
  return {
    dx: new Tensor("float32", x.shape, dx),
    dweight: weight ? new Tensor("float32", [D], Float32Array.from(dw)) : null,
    dbias: bias ? new Tensor("float32", [D], Float32Array.from(db)) : null,
  };
}
