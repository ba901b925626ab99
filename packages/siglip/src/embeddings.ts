/**
 * embeddings.ts — SigLIP's input layer: image patches to tokens, plus learned positions.
 *
 * Teaches: a ViT reads an image as a sequence. A Conv2d with kernel = stride = patch size P is exactly
 * "cut into non-overlapping P x P patches and apply one shared Linear to each flattened patch":
 *   patches = conv2d(pixels [B, C, S, S], W [D, C, P, P], b, stride P)   -> [B, D, S/P, S/P]
 *   tokens  = flatten(2).transpose(1, 2)                                    -> [B, N, D], N = (S/P)^2, row-major
 *   x       = tokens + position_embedding[0..N)                             (one learned vector per patch slot)
 * (the first two lines are the `patchEmbed` op).
 *
 * References: Dosovitskiy et al., "An Image is Worth 16x16 Words" (https://arxiv.org/abs/2010.11929);
 * Hugging Face transformers `SiglipVisionEmbeddings`.
 * Leaves out: position-embedding interpolation for other resolutions.
 */
import type { Ops } from "@paligemma-ts/tensor";
import type { SiglipVisionConfig } from "./config.ts";
import type { SiglipVisionWeights } from "./weights.ts";

/** pixel_values [B, C, S, S] -> patch tokens with positions [B, N, D]. */
export function siglipEmbeddings<T>(ops: Ops<T>, c: SiglipVisionConfig, w: SiglipVisionWeights, pixelValues: T): T {
  const tokens = ops.patchEmbed(pixelValues, w.patch_embedding.weight, w.patch_embedding.bias, c.patch_size); // [B, N, D]
  return ops.add(tokens, ops.param(w.position_embedding)); // [B, N, D] + [N, D]
}
