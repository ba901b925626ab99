/**
 * siglip_loss.ts — SigLIP's pairwise sigmoid loss.
 *
 * Teaches: instead of a softmax over the batch, every (image, text) pair is an independent
 * binary question "do these match?", so no batch-wide normalization is needed.
 *
 *   logits = t * normalize(I) @ normalize(T)^T + b          [N, N]  (t = exp(t'), b learned)
 *   z_ij   = +1 if i == j else -1
 *   loss   = -(1/N) * sum_ij log sigmoid(z_ij * logits_ij)
 *
 * exactly as in Algorithm 1 of the paper: `l = -sum(log_sigmoid(labels * logits)) / n`
 * (note: divided by N, not N^2). Computed stably with
 *   -log sigmoid(x) = softplus(-x),   softplus(y) = max(y, 0) + log(1 + exp(-|y|))
 * so the code sums softplus(-z_ij * logits_ij) / N, which never overflows, for any t.
 *
 * Reference: Zhai et al. 2023, "Sigmoid Loss for Language Image Pre-Training", https://arxiv.org/abs/2303.15343
 * (Algorithm 1); Hugging Face SiglipModel.forward (return_loss).
 * Leaves out: the chunked multi-device variant. Gradients: siglip_loss_backward.ts.
 */
import { ShapeError, type Tensor, softplus } from "@paligemma-ts/tensor";
import { similarityLogits } from "./similarity_logits.ts";

/** SigLIP loss of N matching (image, text) pairs with temperature t (already exp'ed) and bias b. */
export function siglipLoss(imageEmbeds: Tensor, textEmbeds: Tensor, t: number, b: number): { loss: number; logits: Tensor } {
  if (imageEmbeds.rank !== 2 || textEmbeds.rank !== 2 || imageEmbeds.shape[0] !== textEmbeds.shape[0]) {
    throw new ShapeError(
      `siglipLoss: imageEmbeds [${imageEmbeds.shape.join(", ")}] and textEmbeds [${textEmbeds.shape.join(", ")}] must be N matching pairs [N, D]`,
    );
  }
  const logits = similarityLogits(imageEmbeds, textEmbeds, t, b, "siglipLoss"); // [N, N]
  const N = logits.shape[0];
  const x = logits.data as Float32Array;
  let sum = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const z = i === j ? 1 : -1;
      sum += softplus(-z * x[i * N + j]); // = -log sigmoid(z * logit)
    }
  }
  return { loss: sum / N, logits };
}
