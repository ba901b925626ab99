/**
 * log_sigmoid.ts — log(sigmoid(x)), computed without overflow, and softplus.
 *
 * Teaches: the naive log(1 / (1 + e^-x)) overflows for x << 0 (e^-x = Infinity) and loses all
 * precision for x >> 0 (1 + e^-x rounds to 1). Rewritten with softplus:
 *   softplus(y)    = log(1 + e^y) = max(y, 0) + log1p(e^-|y|)     never overflows
 *   log sigmoid(x) = -softplus(-x)
 * SigLIP's loss is a sum of -log sigmoid(z * logit) over every (image, text) pair.
 *
 * Reference: Zhai et al. 2023, "Sigmoid Loss for Language Image Pre-Training" (https://arxiv.org/abs/2303.15343).
 */
import { Tensor } from "../tensor.ts";

/** softplus(y) = log(1 + exp(y)), stable for any y. */
export function softplus(y: number): number {
  return Math.max(y, 0) + Math.log1p(Math.exp(-Math.abs(y)));
}

/** y = log(sigmoid(x)) = -softplus(-x) elementwise, float32. */
export function logSigmoid(x: Tensor): Tensor {
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = -softplus(-xv[i]);
  return new Tensor("float32", x.shape, out);
}
