/**
 * siglip_loss_backward.ts — gradients of SigLIP's pairwise sigmoid loss.
 *
 * Teaches: loss = (1/N) sum_ij softplus(-z_ij * l_ij) with z = +1 on the diagonal, -1 elsewhere, and
 * softplus'(u) = sigmoid(u), so
 *   dl_ij = -(z_ij / N) * sigmoid(-z_ij * l_ij)
 * A matching pair (z = +1) is pulled up by the probability it is still called a mismatch, a
 * non-matching pair pushed down by the probability it is called a match; each pair on its own, no
 * softmax over the batch. Then t and b: dt = sum_ij dl_ij C_ij, db = sum_ij dl_ij
 * (similarity_logits_backward.ts, which also carries dl to the embeddings).
 * sigmoid(-u) is computed as in log_sigmoid_backward.ts (never overflows).
 *
 * References: Zhai et al. 2023 (https://arxiv.org/abs/2303.15343, Algorithm 1); Hugging Face SiglipModel.
 * Leaves out: the log-parametrized t (dt' = t * dt), the chunked multi-device variant.
 */
import { ShapeError, Tensor, sigmoidOfNegative } from "@paligemma-ts/tensor";
import { similarityLogits } from "./similarity_logits.ts";
import { similarityLogitsBackward } from "./similarity_logits_backward.ts";

/** dL/d(imageEmbeds, textEmbeds, t, b) of siglipLoss(imageEmbeds, textEmbeds, t, b), times dloss. */
export function siglipLossBackward(imageEmbeds: Tensor, textEmbeds: Tensor, t: number, b: number, dloss = 1): { dImageEmbeds: Tensor; dTextEmbeds: Tensor; dt: number; db: number } {
  if (imageEmbeds.rank !== 2 || textEmbeds.rank !== 2 || imageEmbeds.shape[0] !== textEmbeds.shape[0]) {
    throw new ShapeError(`siglipLossBackward: imageEmbeds [${imageEmbeds.shape.join(", ")}] and textEmbeds [${textEmbeds.shape.join(", ")}] must be N matching pairs [N, D]`);
  }
  const logits = similarityLogits(imageEmbeds, textEmbeds, t, b, "siglipLossBackward"); // [N, N]
  const N = logits.shape[0];
  const l = logits.toFloat32();
  const dl = new Float32Array(N * N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const z = i === j ? 1 : -1;
      dl[i * N + j] = (-(z / N) * sigmoidOfNegative(z * l[i * N + j])) * dloss; // d softplus(-z l) / dl, / N
    }
  }
  const g = similarityLogitsBackward(new Tensor("float32", [N, N], dl), imageEmbeds, textEmbeds, t);
  return { dImageEmbeds: g.dImageEmbeds, dTextEmbeds: g.dTextEmbeds, dt: g.dScale, db: g.dBias };
}
