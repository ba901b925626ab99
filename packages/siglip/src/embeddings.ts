/**
 * embeddings.ts — SigLIP's input layer: image patches to tokens, plus learned positions.
 *
 * Teaches: a ViT reads an image as a sequence. A Conv2d with kernel = stride = patch size P is exactly
 * "cut into non-overlapping P x P patches and apply one shared Linear to each flattened patch":
 *   patches = conv2d(pixels [B, C, S, S], W [D, C, P, P], b, stride P)   -> [B, D, S/P, S/P]
 *   tokens  = flatten(2).transpose(1, 2)                                    -> [B, N, D], N = (S/P)^2, row-major
 *   x       = tokens + position_embedding[0..N)                             (one learned vector per patch slot)
 *
 * References: Dosovitskiy et al., "An Image is Worth 16x16 Words" (https://arxiv.org/abs/2010.11929);
 * Hugging Face transformers `SiglipVisionEmbeddings`.
 * Leaves out: position-embedding interpolation for other resolutions.
 */
import { ShapeError, type Tensor, add, conv2d } from "@paligemma-ts/tensor";
import type { SiglipVisionConfig } from "./config.ts";
import type { SiglipVisionWeights } from "./weights.ts";

/** pixel_values [B, C, S, S] -> patch tokens with positions [B, N, D]. */
export function siglipEmbeddings(pixelValues: Tensor, w: SiglipVisionWeights, c: SiglipVisionConfig): Tensor {
  const [, C, Hs, Ws] = pixelValues.shape;
  if (pixelValues.rank !== 4 || C !== c.num_channels || Hs !== c.image_size || Ws !== c.image_size) {
    throw new ShapeError(`SigLIP: pixel_values must be [B, ${c.num_channels}, ${c.image_size}, ${c.image_size}], got [${pixelValues.shape.join(", ")}]`);
  }
  const patches = conv2d(pixelValues, w.patch_embedding.weight, w.patch_embedding.bias, { stride: c.patch_size }); // [B, D, S/P, S/P]
  const [B, D, gh, gw] = patches.shape;
  const tokens = patches.reshape([B, D, gh * gw]).transpose(1, 2); // [B, N, D]
  return add(tokens, w.position_embedding); // [B, N, D] + [N, D]
}
