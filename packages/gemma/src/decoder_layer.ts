/**
 * decoder_layer.ts — one Gemma (1) decoder layer.
 *
 * Teaches: a pre-norm residual block, two lines:
 *   x = x + attn(rms_norm(x, input_layernorm))              causal/prefix-LM self-attention with RoPE
 *   x = x + mlp(rms_norm(x, post_attention_layernorm))      down(gelu_tanh(gate(.)) * up(.))
 * (`post_attention_layernorm` is HF's name for the norm *before* the MLP.) Attention: heads query heads,
 * kv_heads key/value heads (PaliGemma 1: multi-query, 1 kv head), head_dim from the config, scale
 * head_dim^-0.5, no bias.
 *
 * Reference: Hugging Face transformers `GemmaDecoderLayer` (models/gemma/modeling_gemma.py).
 */
import { type LayerKVCache, type RotaryTables, gatedMlp, rmsNorm, selfAttention } from "@paligemma-ts/core";
import { type Tensor, add } from "@paligemma-ts/tensor";
import { type GemmaTextConfig, attentionScale } from "./config.ts";
import type { GemmaLayerWeights } from "./weights.ts";

/** What a layer needs besides its weights: the mask for its keys, RoPE tables, its cache. */
export interface LayerContext {
  /** Additive [B, 1, T, Tk] (for Gemma 2 local layers: with the sliding window applied). */
  mask: Tensor | null;
  rope: RotaryTables;
  cache: LayerKVCache | null;
}

/** Gemma's attention sub-block (shared by both generations): x [B, T, H] -> [B, T, H]. */
export function gemmaAttention(x: Tensor, w: GemmaLayerWeights, c: GemmaTextConfig, ctx: LayerContext): Tensor {
  return selfAttention(x, w.self_attn, {
    numHeads: c.num_attention_heads,
    numKvHeads: c.num_key_value_heads,
    headDim: c.head_dim,
    scale: attentionScale(c),
    softcap: c.model_type === "gemma2" ? c.attn_logit_softcapping : null,
    mask: ctx.mask,
    rope: ctx.rope,
    cache: ctx.cache,
  });
}

/** x [B, T, H] -> [B, T, H]. */
export function gemmaDecoderLayer(x: Tensor, w: GemmaLayerWeights, c: GemmaTextConfig, ctx: LayerContext): Tensor {
  const eps = c.rms_norm_eps;
  x = add(x, gemmaAttention(rmsNorm(x, w.input_layernorm, eps), w, c, ctx));
  return add(x, gatedMlp(rmsNorm(x, w.post_attention_layernorm, eps), w.mlp));
}
