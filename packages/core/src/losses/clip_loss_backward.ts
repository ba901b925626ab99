/**
 * clip_loss_backward.ts — gradients of CLIP's symmetric contrastive loss.
 *
 * Teaches: loss = (CE(logits, I) + CE(logits^T, I)) / 2 with "mean" cross-entropies over N rows, so
 *   dlogits = ( (softmax_rows(logits) - I) + (softmax_cols(logits) - I) ) / (2N)
 * (the column term is the row rule on logits^T, transposed back): each pair's logit is pushed up by
 * how far its image and its text are from picking each other, every other logit down by the
 * probability it took. Then similarity_logits_backward.ts carries dlogits to the embeddings and t.
 *
 * References: Radford et al. 2021 (https://arxiv.org/abs/2103.00020, Figure 3); Hugging Face `clip_loss`.
 * Leaves out: the learned log-temperature (dt' = t * dLogitScale), gathering across devices.
 */
import { ShapeError, type Tensor, add } from "@paligemma-ts/tensor";
import { crossEntropyBackward } from "./cross_entropy_backward.ts";
import { similarityLogits } from "./similarity_logits.ts";
import { similarityLogitsBackward } from "./similarity_logits_backward.ts";

/** dL/d(imageEmbeds, textEmbeds, logitScale) of clipLoss(imageEmbeds, textEmbeds, logitScale), times dloss. */
export function clipLossBackward(imageEmbeds: Tensor, textEmbeds: Tensor, logitScale: number, dloss = 1): { dImageEmbeds: Tensor; dTextEmbeds: Tensor; dLogitScale: number } {
  if (imageEmbeds.rank !== 2 || textEmbeds.rank !== 2 || imageEmbeds.shape[0] !== textEmbeds.shape[0]) {
    throw new ShapeError(`clipLossBackward: imageEmbeds [${imageEmbeds.shape.join(", ")}] and textEmbeds [${textEmbeds.shape.join(", ")}] must be N matching pairs [N, D]`);
  }
  const logits = similarityLogits(imageEmbeds, textEmbeds, logitScale, 0, "clipLossBackward"); // [N, N]
  const targets = Array.from({ length: logits.shape[0] }, (_, i) => i);
  const rows = crossEntropyBackward(logits, targets, {}, dloss / 2); // image -> text
  const cols = crossEntropyBackward(logits.transpose(), targets, {}, dloss / 2).transpose(); // text -> image
  const g = similarityLogitsBackward(add(rows, cols), imageEmbeds, textEmbeds, logitScale);
  return { dImageEmbeds: g.dImageEmbeds, dTextEmbeds: g.dTextEmbeds, dLogitScale: g.dScale };
}
