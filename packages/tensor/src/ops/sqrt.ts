/**
 * sqrt.ts — elementwise square root.
 *
 * Teaches: y = sqrt(x); with x < 0 it is NaN (as in every library). Used for L2 norms,
 * ||x|| = sqrt(sum(x^2)), e.g. to normalize contrastive embeddings.
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.sqrt.html
 */
import { Tensor } from "../tensor.ts";

/** y = sqrt(x) elementwise, float32. */
export function sqrt(x: Tensor): Tensor {
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = Math.sqrt(xv[i]);
  return new Tensor("float32", x.shape, out);
}
