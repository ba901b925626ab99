/**
 * decoder_layer.ts — one Gemma (1) decoder layer, written once against `Ops`.
 *
 * Teaches: a pre-norm residual block, two lines:
 *   x = x + attn(rms_norm(x, input_layernorm))              causal/prefix-LM self-attention with RoPE
 *   x = x + mlp(rms_norm(x, post_attention_layernorm))      down(gelu_tanh(gate(.)) * up(.))
 * (`post_attention_layernorm` is HF's name for the norm *before* the MLP.) Attention: heads query heads,
 * kv_heads key/value heads (PaliGemma 1: multi-query, 1 kv head), head_dim from the config, scale
 * head_dim^-0.5, no bias. The layer returns its new keys and values (RoPE applied to the keys); the
 * model appends them to the KV cache, so the layer is a pure function: run eagerly it is the spec,
 * built with graph ops it is one fused ONNX session.
 *
 * Reference: Hugging Face transformers `GemmaDecoderLayer` (models/gemma/modeling_gemma.py).
 */
import { type AttentionContext, gatedMlp, selfAttention } from "@paligemma-ts/core";
import type { Ops } from "@paligemma-ts/tensor";
import { type GemmaTextConfig, attentionScale, slidingWindowOf } from "./config.ts";
import type { GemmaLayerWeights } from "./weights.ts";

/** What a layer attends with: the mask [B|1, 1, T, Tp+T], RoPE half tables, the cached past. */
export type DecoderLayerContext<T> = Required<AttentionContext<T>>;

/** A layer's results: hidden [B, T, H] and this call's key/value rows [B, T, Hkv*D] for the cache. */
export interface DecoderLayerOutput<T> {
  hidden: T;
  key: T;
  value: T;
}

/** Gemma's attention sub-block (both generations): scale, soft-cap and window from the config. */
export function gemmaAttention<T>(ops: Ops<T>, c: GemmaTextConfig, layer: number, w: GemmaLayerWeights, h: T, ctx: DecoderLayerContext<T>) {
  const two = c.model_type === "gemma2";
  const options = { numHeads: c.num_attention_heads, numKvHeads: c.num_key_value_heads, scale: attentionScale(c), softcap: two ? c.attn_logit_softcapping : null, window: slidingWindowOf(c, layer) };
  return selfAttention(ops, h, w.self_attn, options, ctx); // output [B, T, H], key/value [B, T, Hkv*D]
}

/** x [B, T, H] -> hidden [B, T, H] + new key/value rows. */
export function gemmaDecoderLayer<T>(ops: Ops<T>, c: GemmaTextConfig, layer: number, w: GemmaLayerWeights, x: T, ctx: DecoderLayerContext<T>): DecoderLayerOutput<T> {
  const eps = c.rms_norm_eps;
  const attn = gemmaAttention(ops, c, layer, w, ops.rmsNorm(x, w.input_layernorm, eps), ctx);
  x = ops.add(x, attn.output);
  const hidden = ops.add(x, gatedMlp(ops, ops.rmsNorm(x, w.post_attention_layernorm, eps), w.mlp));
  return { hidden, key: attn.key, value: attn.value };
}
