/**
 * vision_tower.ts — the SigLIP vision transformer: pixels in, one vector per patch out.
 *
 * Teaches: the whole tower is three lines:
 *   x = embeddings(pixel_values)                 [B, N, D]
 *   for each layer: x = encoder_layer(x)          [B, N, D]
 *   return post_layernorm(x)                      last_hidden_state [B, N, D]
 * PaliGemma uses every patch token (no pooling head) and projects them into the text model.
 *
 * References: Zhai et al., "Sigmoid Loss for Language Image Pre-Training" (https://arxiv.org/abs/2303.15343);
 * Hugging Face transformers `SiglipVisionTransformer`.
 * Leaves out: the attention-pooling head, output of all hidden states (use `trace`).
 */
import { layerNorm } from "@paligemma-ts/core";
import type { Tensor } from "@paligemma-ts/tensor";
import type { SiglipVisionConfig } from "./config.ts";
import { siglipEmbeddings } from "./embeddings.ts";
import { siglipEncoderLayer } from "./encoder_layer.ts";
import type { SiglipVisionWeights } from "./weights.ts";

/** Called with intermediate tensors: "vision.embeddings", "vision.layer{i}" (before post_layernorm). */
export type Trace = (name: string, value: Tensor) => void;

/** pixel_values [B, C, S, S] -> last_hidden_state [B, N, D]. */
export function siglipVisionTower(pixelValues: Tensor, w: SiglipVisionWeights, c: SiglipVisionConfig, trace?: Trace): Tensor {
  let x = siglipEmbeddings(pixelValues, w, c); // [B, N, D]
  trace?.("vision.embeddings", x);
  w.layers.forEach((layer, i) => {
    x = siglipEncoderLayer(x, layer, c);
    trace?.(`vision.layer${i}`, x);
  });
  return layerNorm(x, w.post_layernorm, c.layer_norm_eps); // [B, N, D]
}
