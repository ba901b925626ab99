/**
 * costs.ts — how much work each phase of PaliGemma is, from the config alone.
 *
 * Teaches: back-of-the-envelope numbers that turn timings into utilization.
 *   Linear [in -> out] over M rows:   2 * M * in * out FLOPs, and in * out * 4 bytes of float32 weight
 *   Attention over Tq queries, Tk keys, Hq heads of width D:   4 * Tq * Tk * Hq * D FLOPs (scores + mix)
 *   vision  = patch conv + 27 blocks (q,k,v,o, fc1, fc2, attention) + projector, over N patches
 *   prefill = 18 layers (q, k, v, o, gate, up, down, attention) over T tokens + LM head for ONE row
 *   decode  = reads every decoder weight once per token: layers + the tied head (V x H): the bytes
 * Norms, RoPE, softmax and GELU are O(T * width): left out (< 1%).
 *
 * Reference: Kaplan et al., "Scaling Laws" (2*N FLOPs per token per parameter); Pope et al.,
 * "Efficiently Scaling Transformer Inference" (decode is memory-bound).
 */
import type { PaliGemmaConfig } from "../src/index.ts";

/** FLOPs of the vision tower + projector for one image. */
export function visionFlops(c: PaliGemmaConfig): number {
  const p = visionFlopsParts(c);
  return p.linear + p.attention;
}

/** The vision FLOPs split into linears (patch conv, q/k/v/o, MLP, projector: 2 N params) and attention (4 N^2 D per layer). */
export function visionFlopsParts(c: PaliGemmaConfig): { linear: number; attention: number } {
  const v = c.vision_config;
  const N = c.num_image_tokens;
  const D = v.hidden_size;
  const linear = 2 * N * D * v.num_channels * v.patch_size ** 2 + v.num_hidden_layers * 2 * N * (4 * D * D + 2 * D * v.intermediate_size) + 2 * N * D * c.text_config.hidden_size;
  return { linear, attention: v.num_hidden_layers * 4 * N * N * D };
}

/** Weight elements of one decoder layer's linear layers. */
export function decoderLayerParams(c: PaliGemmaConfig): number {
  const t = c.text_config;
  const q = t.num_attention_heads * t.head_dim;
  const kv = t.num_key_value_heads * t.head_dim;
  return t.hidden_size * (2 * q + 2 * kv) + 3 * t.hidden_size * t.intermediate_size;
}

/** Weight elements of each linear of one decoder layer, by its name in the checkpoint ("mlp.down_proj"). */
export function decoderLinearParams(c: PaliGemmaConfig): Record<string, number> {
  const t = c.text_config;
  const q = t.num_attention_heads * t.head_dim;
  const kv = t.num_key_value_heads * t.head_dim;
  const H = t.hidden_size;
  const I = t.intermediate_size;
  return { "self_attn.q_proj": H * q, "self_attn.k_proj": H * kv, "self_attn.v_proj": H * kv, "self_attn.o_proj": q * H, "mlp.gate_proj": H * I, "mlp.up_proj": H * I, "mlp.down_proj": I * H };
}

/** FLOPs of a prefill of T tokens (prefix-LM: every query sees up to T keys) + one row of logits. */
export function prefillFlops(c: PaliGemmaConfig, T: number): number {
  const p = prefillFlopsParts(c, T);
  return p.linear + p.attention;
}

/**
 * The prefill FLOPs split: linears (2 T params per layer + the head's one row) and attention
 * (4 T^2 H D per layer, the part that grows with T^2). Per token: linear/T is constant, attention/T
 * grows linearly with T.
 */
export function prefillFlopsParts(c: PaliGemmaConfig, T: number): { linear: number; attention: number } {
  const t = c.text_config;
  return { linear: t.num_hidden_layers * 2 * T * decoderLayerParams(c) + 2 * t.vocab_size * t.hidden_size, attention: t.num_hidden_layers * 4 * T * T * t.num_attention_heads * t.head_dim };
}

/** Weight bytes one decode step must read: every layer + the tied LM head (bytes per weight of each; default float32). */
export function decodeWeightBytes(c: PaliGemmaConfig, bytesPerWeight = 4, headBytesPerWeight = bytesPerWeight): number {
  const t = c.text_config;
  return t.num_hidden_layers * decoderLayerParams(c) * bytesPerWeight + t.vocab_size * t.hidden_size * headBytesPerWeight;
}
