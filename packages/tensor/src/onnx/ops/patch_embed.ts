/**
 * patch_embed.ts — ViT/SigLIP patch embedding as graph nodes: `patchEmbed(g, pixels, w, b, patch)`.
 *
 * Teaches: cutting the image into P x P patches and projecting each one linearly is exactly a
 * convolution with kernel = stride = P:
 *   y[b, d, i, j] = bias[d] + sum_{c,u,v} pixels[b, c, i*P + u, j*P + v] * w[d, c, u, v]
 * then the (S/P) x (S/P) grid is flattened row by row into N = (S/P)^2 tokens:
 *   [B, D, S/P, S/P] -> [B, D, N] -> [B, N, D]
 *
 * References: Dosovitskiy et al., "An Image is Worth 16x16 Words" (https://arxiv.org/abs/2010.11929);
 * HF `SiglipVisionEmbeddings`; https://onnx.ai/onnx/operators/onnx__Conv.html
 * Leaves out: the position embedding (added by the caller), non-square images, padding.
 */
import { ArgumentError } from "../../errors.ts";
import type { Graph, Value } from "../graph.ts";

/** pixels [B, 3, S, S], weight [D, 3, P, P], bias [D] | null -> [B, N, D] with N = (S/P)^2 */
export function patchEmbed(g: Graph, pixels: Value, weight: Value, bias: Value | null, patch: number): Value {
  if (!Number.isInteger(patch) || patch < 1) throw new ArgumentError(`patchEmbed: patch must be a positive integer, got ${patch}`);
  const conv = g.op("Conv", [pixels, weight, bias], { kernel_shape: [patch, patch], strides: [patch, patch] }); // [B, D, S/P, S/P]
  const flat = g.op("Reshape", [conv, g.constant([0, 0, -1], "int64", "patch_shape")]); // [B, D, N]
  return g.op("Transpose", [flat], { perm: [0, 2, 1] }); // [B, N, D]
}
