/**
 * merge.ts — put image features where the `<image>` tokens are.
 *
 * Teaches: the language model never sees pixels, only vectors in its own embedding space. The prompt
 * holds num_image_tokens `<image>` placeholder ids; their embedding rows are replaced, in order, by the
 * projected image features, scaled down so that the decoder's sqrt(hidden) normalizer brings them
 * back to their projected size:
 *   embeds[b, t] = E[ids[b, t]]                                   for text tokens
 *   embeds[b, t] = image_features[b, k] / sqrt(text hidden)       for the k-th <image> token of row b
 * (GemmaModel.forward then multiplies every row by sqrt(text hidden)). The scale uses text_config.hidden_size,
 * in float32 like the reference.
 *
 * Reference: Hugging Face transformers `PaliGemmaForConditionalGeneration` (get_image_features and
 * the masked_scatter of image features into inputs_embeds).
 * Leaves out: several images per prompt (one image per row here).
 */
import { ArgumentError, ShapeError, Tensor } from "@paligemma-ts/tensor";

/** embeds [B, T, H] (raw rows), ids [B][T], features [B, N, H] -> merged [B, T, H] (a new tensor). */
export function mergeImageFeatures(embeds: Tensor, ids: readonly (readonly number[])[], features: Tensor, imageTokenId: number): Tensor {
  const [B, T, H] = embeds.shape;
  const [Bf, N, Hf] = features.shape;
  if (features.rank !== 3 || Bf !== B || Hf !== H) {
    throw new ShapeError(`merge: image features must be [${B}, N, ${H}] for embeddings [${embeds.shape.join(", ")}], got [${features.shape.join(", ")}]`);
  }
  const scale = Math.fround(Math.sqrt(H));
  const out = embeds.toFloat32().slice();
  const fv = features.toFloat32();
  for (let b = 0; b < B; b++) {
    let k = 0;
    for (let t = 0; t < T; t++) {
      if (ids[b][t] !== imageTokenId) continue;
      if (k >= N) break;
      const src = (b * N + k) * H;
      const dst = (b * T + t) * H;
      for (let d = 0; d < H; d++) out[dst + d] = fv[src + d] / scale;
      k++;
    }
    const count = ids[b].filter((id) => id === imageTokenId).length;
    if (count !== N) throw new ArgumentError(`merge: row ${b} has ${count} <image> tokens (id ${imageTokenId}) but the image gives ${N} features`);
  }
  return new Tensor("float32", embeds.shape, out);
}
