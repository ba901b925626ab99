/**
 * decoder_layer_onnx.ts — one Gemma / Gemma 2 decoder layer as ONE fused ONNX graph.
 *
 * Teaches: what a decode-friendly layer graph takes and gives. The KV cache stays in JS (core
 * `LayerKVCache`, time-major [T, B, Hkv, D]); the graph reads the past as zero-copy views and returns
 * only the NEW rows, because ORT copies every output (DESIGN.md section 4):
 *   inputs   hidden_states [B, T, H], cos/sin [B, T, D/2] (RoPE half tables for these T positions),
 *            attention_mask [B|1, 1, T, Tp+T] additive (prefix-LM / causal / padding / sliding window),
 *            past_key, past_value [B, Tp, Hkv*D] (Tp may be 0). With one batch row the cache's
 *            time-major [Tp, 1, Hkv*D] slots ARE this layout: a zero-copy view, no Transpose node
 *            (measured: Transpose + Concat of the past cost ~0.45 ms per layer at 280 cached tokens)
 *   outputs  hidden_states_out [B, T, H], new_key, new_value [T, B, Hkv*D] (RoPE already applied to k)
 * The math (decoder_layer.ts / gemma2_decoder_layer.ts), every weight read as stored ([out, in]):
 *   h = rms(x) * (1 + w_in)
 *   q, k, v = h Wq^T, h Wk^T, h Wv^T                         [B, T, H*D], [B, T, Hkv*D] x2
 *   q, k = rope(q), rope(k)                                   rotate-half, opset 23 RotaryEmbedding
 *   K = [past_k ; k], V = [past_v ; v]                        [B, Tp+T, Hkv*D]
 *   a = softmax(cap(q K^T * scale) + mask) V                  opset 23 Attention, GQA/MQA heads
 *   Gemma:   x = x + a Wo^T;            x = x + mlp(rms(x) * (1 + w_post_attn))
 *   Gemma 2: x = x + rms(a Wo^T)(1+w);  x = x + rms(mlp(rms(x)(1 + w_pre_ff)))(1 + w_post_ff)
 *   mlp(h) = (gelu_tanh(h Wg^T) * (h Wu^T)) Wd^T
 * scale = head_dim^-0.5 (Gemma) or query_pre_attn_scalar^-0.5 (Gemma 2); cap = tanh soft-cap of the
 * scores before the mask (Gemma 2 attn_logit_softcapping). The sliding window of Gemma 2's even
 * layers is in the mask the caller passes (gemma_onnx.ts), so every layer has the same graph shape.
 *
 * References: decoder_layer.ts, gemma2_decoder_layer.ts (the reference these must match);
 * https://onnx.ai/onnx/operators/onnx__RotaryEmbedding.html ; https://onnx.ai/onnx/operators/onnx__Attention.html
 * Leaves out: batching several layers per session (one per layer keeps per-layer traces; runs cost ~20 us).
 */
import { type CheckpointWeights, Graph, type Value, onnxOps } from "@paligemma-ts/tensor";
import { type GemmaTextConfig, attentionScale } from "./config.ts";
import { PALIGEMMA_TEXT_PREFIX } from "./weights.ts";

/** Names of the graph's inputs and outputs (what GemmaOnnx feeds and fetches). */
export const LAYER_IO = {
  inputs: ["hidden_states", "cos", "sin", "attention_mask", "past_key", "past_value"],
  outputs: ["hidden_states_out", "new_key", "new_value"],
} as const;

/** Decoder layer `i` of a Gemma (1 or 2) text model, weights from `w` under `prefix`. */
export function gemmaDecoderLayerGraph(c: GemmaTextConfig, w: CheckpointWeights, i: number, prefix = PALIGEMMA_TEXT_PREFIX): Graph {
  const g = new Graph(`${c.model_type}_layer${i}`);
  const l = `${prefix}layers.${i}.`;
  const { hidden_size: H, head_dim: D, num_attention_heads: Hq, num_key_value_heads: Hkv, rms_norm_eps: eps } = c;
  const two = c.model_type === "gemma2";
  const x0 = g.input("hidden_states", "float32", ["batch", "seq", H]); // [B, T, H]
  const cos = g.input("cos", "float32", ["batch", "seq", D / 2]); // [B, T, D/2]
  const sin = g.input("sin", "float32", ["batch", "seq", D / 2]);
  const mask = g.input("attention_mask", "float32", ["mask_batch", 1, "seq", "total"]); // [B|1, 1, T, Tp+T]
  const pastK = g.input("past_key", "float32", ["batch", "past", Hkv * D]); // [B, Tp, Hkv*D]
  const pastV = g.input("past_value", "float32", ["batch", "past", Hkv * D]);

  const norm = (v: Value, n: string) => onnxOps.rmsNorm(g, v, w.tensor(g, `${l}${n}.weight`), eps); // * (1 + w)
  const proj = (v: Value, n: string) => w.linear(g, v, `${l}${n}.weight`, c.attention_bias && n.startsWith("self_attn") ? `${l}${n}.bias` : null);

  // attention sub-block
  const h = norm(x0, "input_layernorm"); // [B, T, H]
  const rope = (v: Value, heads: number) => g.op("RotaryEmbedding", [v, cos, sin], { num_heads: heads, interleaved: 0 });
  const q = rope(proj(h, "self_attn.q_proj"), Hq); // [B, T, Hq*D]
  const k = rope(proj(h, "self_attn.k_proj"), Hkv); // [B, T, Hkv*D]
  const v = proj(h, "self_attn.v_proj"); // [B, T, Hkv*D]
  g.output(g.op("Transpose", [k], { perm: [1, 0, 2] }), "new_key"); // [T, B, Hkv*D] time-major, like the cache
  g.output(g.op("Transpose", [v], { perm: [1, 0, 2] }), "new_value");
  const keys = g.op("Concat", [pastK, k], { axis: 1 }); // [B, Tp+T, Hkv*D]
  const values = g.op("Concat", [pastV, v], { axis: 1 });
  const softcap = two ? (c.attn_logit_softcapping ?? 0) : 0;
  const a = onnxOps.attention(g, q, keys, values, mask, { numHeads: Hq, numKvHeads: Hkv, scale: attentionScale(c), softcap }); // [B, T, Hq*D]
  let o = proj(a, "self_attn.o_proj"); // [B, T, H]
  if (two) o = norm(o, "post_attention_layernorm");
  const x1 = g.op("Add", [x0, o]);

  // MLP sub-block
  const h2 = norm(x1, two ? "pre_feedforward_layernorm" : "post_attention_layernorm");
  const gate = onnxOps.geluTanh(g, proj(h2, "mlp.gate_proj")); // [B, T, I]
  let m = proj(g.op("Mul", [gate, proj(h2, "mlp.up_proj")]), "mlp.down_proj"); // [B, T, H]
  if (two) m = norm(m, "post_feedforward_layernorm");
  g.output(g.op("Add", [x1, m]), "hidden_states_out");
  return g;
}

/** Final norm + tied LM head: hidden [B, R, H] -> logits [B, R, V] (+ the normed hidden, for traces). */
export function gemmaLmHeadGraph(c: GemmaTextConfig, w: CheckpointWeights, prefix = PALIGEMMA_TEXT_PREFIX): Graph {
  const g = new Graph(`${c.model_type}_lm_head`);
  const x = g.input("hidden_states", "float32", ["batch", "rows", c.hidden_size]); // [B, R, H]
  const h = onnxOps.rmsNorm(g, x, w.tensor(g, `${prefix}norm.weight`), c.rms_norm_eps); // [B, R, H]
  let logits = w.linear(g, h, `${prefix}embed_tokens.weight`); // [B, R, V] = h E^T (tied)
  const cap = c.model_type === "gemma2" ? c.final_logit_softcapping : null;
  if (cap) {
    const capV = g.constant(cap, "float32", "final_softcap");
    logits = g.op("Mul", [g.op("Tanh", [g.op("Div", [logits, capV])]), capV]); // cap * tanh(logits / cap)
  }
  g.output(logits, "logits");
  g.output(h, "final_norm");
  return g;
}
