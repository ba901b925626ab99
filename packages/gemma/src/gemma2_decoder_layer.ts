/**
 * gemma2_decoder_layer.ts — one Gemma 2 decoder layer: "sandwich" norms around both sub-blocks.
 *
 * Teaches: Gemma 2 normalizes the input AND the output of each sub-block before the residual add:
 *   x = x + rms_norm(attn(rms_norm(x, input_layernorm)), post_attention_layernorm)
 *   x = x + rms_norm(mlp(rms_norm(x, pre_feedforward_layernorm)), post_feedforward_layernorm)
 * Attention differs from Gemma 1 in three ways, all options of the attention op (gemmaAttention):
 *   scale   = query_pre_attn_scalar^-0.5
 *   scores  = attn_logit_softcapping * tanh(scores / attn_logit_softcapping)   before the mask
 *   layers 0, 2, 4, ... are local: a query at i sees keys j with i - j < sliding_window
 *
 * References: Gemma 2 report (https://arxiv.org/abs/2408.00118); Hugging Face transformers
 * `Gemma2DecoderLayer` (models/gemma2/modeling_gemma2.py).
 */
import { gatedMlp } from "@paligemma-ts/core";
import { ArgumentError, type Ops } from "@paligemma-ts/tensor";
import type { GemmaTextConfig } from "./config.ts";
import { type DecoderLayerContext, type DecoderLayerOutput, gemmaAttention } from "./decoder_layer.ts";
import type { GemmaLayerWeights } from "./weights.ts";

/** x [B, T, H] -> hidden [B, T, H] + new key/value rows. */
export function gemma2DecoderLayer<T>(ops: Ops<T>, c: GemmaTextConfig, layer: number, w: GemmaLayerWeights, x: T, ctx: DecoderLayerContext<T>): DecoderLayerOutput<T> {
  if (!w.pre_feedforward_layernorm || !w.post_feedforward_layernorm) {
    throw new ArgumentError("Gemma 2 layer: pre_feedforward_layernorm and post_feedforward_layernorm weights are required");
  }
  const eps = c.rms_norm_eps;
  const attn = gemmaAttention(ops, c, layer, w, ops.rmsNorm(x, w.input_layernorm, eps), ctx);
  x = ops.add(x, ops.rmsNorm(attn.output, w.post_attention_layernorm, eps));
  const ff = gatedMlp(ops, ops.rmsNorm(x, w.pre_feedforward_layernorm, eps), w.mlp);
  const hidden = ops.add(x, ops.rmsNorm(ff, w.post_feedforward_layernorm, eps));
  return { hidden, key: attn.key, value: attn.value };
}
