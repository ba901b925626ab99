/**
 * encoder_layer.ts — one SigLIP encoder block (pre-LN transformer block).
 *
 * Teaches: the two residual lines of a pre-LN block:
 *   x = x + attn(layer_norm1(x))        bidirectional: every patch sees every patch, no mask, no RoPE
 *   x = x + mlp(layer_norm2(x))         fc2(gelu_tanh(fc1(.)))
 * q/k/v/out projections have biases; heads = num_attention_heads, head_dim = hidden / heads,
 * scale head_dim^-0.5.
 *
 * References: Xiong et al., "On Layer Normalization in the Transformer Architecture"
 * (https://arxiv.org/abs/2002.04745); Hugging Face transformers `SiglipEncoderLayer`.
 */
import { layerNorm, mlp, selfAttention } from "@paligemma-ts/core";
import { type Tensor, add } from "@paligemma-ts/tensor";
import type { SiglipVisionConfig } from "./config.ts";
import type { SiglipEncoderLayerWeights } from "./weights.ts";

/** x [B, N, D] -> [B, N, D]. */
export function siglipEncoderLayer(x: Tensor, w: SiglipEncoderLayerWeights, c: SiglipVisionConfig): Tensor {
  const heads = c.num_attention_heads;
  const h = selfAttention(layerNorm(x, w.layer_norm1, c.layer_norm_eps), w.self_attn, {
    numHeads: heads,
    numKvHeads: heads,
    headDim: c.hidden_size / heads,
  });
  x = add(x, h);
  return add(x, mlp(layerNorm(x, w.layer_norm2, c.layer_norm_eps), w.mlp));
}
