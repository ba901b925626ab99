/**
 * clip_loss.ts — CLIP's softmax contrastive loss (InfoNCE in both directions).
 *
 * Teaches: each image must pick its own caption out of the batch (a softmax over a row of the
 * similarity matrix), and each caption its own image (a softmax over a column).
 *
 *   logits = t * normalize(I) @ normalize(T)^T          [N, N], t = exp(learned log-temperature)
 *   loss_img = crossEntropy(logits,   targets = [0, 1, ..., N-1])   (rows: image -> text)
 *   loss_txt = crossEntropy(logits^T, targets = [0, 1, ..., N-1])   (columns: text -> image)
 *   loss = (loss_img + loss_txt) / 2
 *
 * Reference: Radford et al. 2021, "Learning Transferable Visual Models From Natural Language
 * Supervision", https://arxiv.org/abs/2103.00020 (Figure 3); Hugging Face `clip_loss` in modeling_clip.py.
 * Leaves out: gathering embeddings across devices, clamping t. Gradients: clip_loss_backward.ts.
 */
import { ShapeError, type Tensor } from "@paligemma-ts/tensor";
import { crossEntropy } from "./cross_entropy.ts";
import { similarityLogits } from "./similarity_logits.ts";

/** CLIP loss of N matching (image, text) pairs; `logitScale` is t itself (already exp'ed). */
export function clipLoss(imageEmbeds: Tensor, textEmbeds: Tensor, logitScale: number): { loss: number; logits: Tensor } {
  if (imageEmbeds.rank !== 2 || textEmbeds.rank !== 2 || imageEmbeds.shape[0] !== textEmbeds.shape[0]) {
    throw new ShapeError(
      `clipLoss: imageEmbeds [${imageEmbeds.shape.join(", ")}] and textEmbeds [${textEmbeds.shape.join(", ")}] must be N matching pairs [N, D]`,
    );
  }
  const logits = similarityLogits(imageEmbeds, textEmbeds, logitScale, 0, "clipLoss"); // [N, N]
  const targets = Array.from({ length: logits.shape[0] }, (_, i) => i); // pair i matches i
  const lossImage = crossEntropy(logits, targets); // softmax over texts, per image
  const lossText = crossEntropy(logits.transpose(), targets); // softmax over images, per text
  return { loss: (lossImage + lossText) / 2, logits };
}
