/**
 * projector.ts — the multimodal projector: SigLIP's width to Gemma's width.
 *
 * Teaches: the whole bridge between the vision tower and the language model is ONE Linear with bias:
 *   image_features = vision_last_hidden_state W^T + b      [B, N, Dv] -> [B, N, Ht]
 * (config.json's `projector_hidden_act` is a leftover: no activation is applied.)
 *
 * Reference: Hugging Face transformers `PaliGemmaMultiModalProjector`.
 */
import { type LinearParams, linear } from "@paligemma-ts/core";
import type { Tensor } from "@paligemma-ts/tensor";

/** [B, N, Dv] -> [B, N, Ht]. */
export function multiModalProjector(visionHidden: Tensor, params: LinearParams): Tensor {
  return linear(visionHidden, params);
}
