/**
 * merge.ts — put image features where the `<image>` tokens are.
 *
 * Teaches: the language model never sees pixels, only vectors in its own embedding space. The prompt
 * holds num_image_tokens `<image>` placeholder ids PER IMAGE; their embedding rows are replaced, in
 * order, by the projected image features, scaled down so that the decoder's sqrt(hidden) normalizer
 * brings them back to their projected size:
 *   embeds[b, t] = E[ids[b, t]]                                     for text tokens
 *   embeds[b, t] = image_features[i, k] / sqrt(text hidden)         for the k-th token of image i
 * Images are numbered across the batch in row order: row 0's images first (in prompt order), then
 * row 1's, ... so row b with n_b images (n_b * N image tokens) takes features of images
 * n_0 + ... + n_{b-1} onwards; this is Hugging Face's masked_scatter of the flattened features into
 * the image positions. A row may have several images (multi-image fine-tunes such as NLVR2 put
 * "<image>" x N per image, then <bos>, then the text) and rows may have different counts.
 * (GemmaModel.forward then multiplies every row by sqrt(text hidden).) The scale uses
 * text_config.hidden_size, in float32 like the reference.
 *
 * Reference: Hugging Face transformers `PaliGemmaForConditionalGeneration` (get_image_features and
 * the masked_scatter of image features into inputs_embeds), `PaliGemmaProcessor` (several images).
 * Leaves out: images of different resolutions in one batch.
 */
import { ArgumentError, ShapeError, Tensor } from "@paligemma-ts/tensor";

/** Images per row: each row's <image> tokens / N (throws unless every count is a whole number of images). */
export function imagesPerRow(ids: readonly (readonly number[])[], imageTokenId: number, tokensPerImage: number): number[] {
  return ids.map((row, b) => {
    const count = row.filter((id) => id === imageTokenId).length;
    if (count % tokensPerImage !== 0) throw new ArgumentError(`merge: row ${b} has ${count} <image> tokens (id ${imageTokenId}), not a multiple of the ${tokensPerImage} tokens of one image`);
    return count / tokensPerImage;
  });
}

/** embeds [B, T, H] (raw rows), ids [B][T], features [I, N, H] for the I images of all rows in order -> merged [B, T, H] (a new tensor). */
export function mergeImageFeatures(embeds: Tensor, ids: readonly (readonly number[])[], features: Tensor, imageTokenId: number): Tensor {
  const [B, T, H] = embeds.shape;
  const [I, N, Hf] = features.shape;
  if (features.rank !== 3 || Hf !== H) {
    throw new ShapeError(`merge: image features must be [images, N, ${H}] for embeddings [${embeds.shape.join(", ")}], got [${features.shape.join(", ")}]`);
  }
  const counts = imagesPerRow(ids, imageTokenId, N);
  const total = counts.reduce((a, c) => a + c, 0);
  if (total !== I) throw new ArgumentError(`merge: the prompts hold ${total} images' <image> tokens (${counts.join(" + ")} per row) but ${I} images were given`);
  const scale = Math.fround(Math.sqrt(H));
  const out = embeds.toFloat32().slice();
  const fv = features.toFloat32();
  let k = 0; // flat index over [I * N] image tokens, row-major across the batch
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      if (ids[b][t] !== imageTokenId) continue;
      const src = k * H;
      const dst = (b * T + t) * H;
      for (let d = 0; d < H; d++) out[dst + d] = fv[src + d] / scale;
      k++;
    }
  }
  return new Tensor("float32", embeds.shape, out);
}
