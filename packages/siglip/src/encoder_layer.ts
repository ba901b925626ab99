/**
 * encoder_layer.ts — one SigLIP encoder block (pre-LN transformer block), written once against `Ops`.
 *
 * Teaches: the two residual lines of a pre-LN block:
 *   x = x + attn(layer_norm1(x))        bidirectional: every patch sees every patch, no mask, no RoPE
 *   x = x + mlp(layer_norm2(x))         fc2(gelu_tanh(fc1(.)))
 * q/k/v/out projections have biases; heads = num_attention_heads, head_dim = hidden / heads,
 * scale head_dim^-0.5 (the attention op's default).
 *
 * References: Xiong et al., "On Layer Normalization in the Transformer Architecture"
 * (https://arxiv.org/abs/2002.04745); Hugging Face transformers `SiglipEncoderLayer`.
 */
import { mlp, selfAttention } from "@paligemma-ts/core";
import type { Ops } from "@paligemma-ts/tensor";
import type { SiglipVisionConfig } from "./config.ts";
import type { SiglipEncoderLayerWeights } from "./weights.ts";

/** x [B, N, D] -> [B, N, D]. */
export function siglipEncoderLayer<T>(ops: Ops<T>, c: SiglipVisionConfig, w: SiglipEncoderLayerWeights, x: T): T {
  const eps = c.layer_norm_eps;
  const heads = c.num_attention_heads;
  const h = ops.layerNorm(x, w.layer_norm1.weight, w.layer_norm1.bias, eps); // [B, N, D]
  x = ops.add(x, selfAttention(ops, h, w.self_attn, { numHeads: heads, numKvHeads: heads }, { mask: null }).output);
  return ops.add(x, mlp(ops, ops.layerNorm(x, w.layer_norm2.weight, w.layer_norm2.bias, eps), w.mlp)); // [B, N, D]
}
