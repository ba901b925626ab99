/**
 * attention.ts — multi-head self-attention as a layer, written once against `Ops`: multi-head,
 * multi-query and grouped-query, with or without RoPE and a KV-cache past.
 *
 * Teaches the whole layer, step by step, for x [B, T, hidden]:
 *   q = x Wq^T                                [B, T, H*D]
 *   k = x Wk^T, v = x Wv^T                    [B, T, Hkv*D]   (H query heads share Hkv key/value heads)
 *   q, k = rope(q, pos), rope(k, pos)         decoders; SigLIP has learned positions instead
 *   K = [past_k ; k], V = [past_v ; v]        decoding: attend to everything seen so far
 *   o = softmax(q K^T * scale (+ cap) + mask) V   [B, T, H*D]   (the `attention` op: scale D^-0.5
 *                                                   unless given, Gemma 2 soft-cap and window)
 *   y = o Wo^T                                [B, T, hidden]
 * The new k (RoPE applied) and v are returned: the caller appends them to its KV cache, so the layer
 * itself never mutates state (the same function runs eagerly or as a fused ONNX graph).
 * Hkv = H is multi-head, Hkv = 1 multi-query (PaliGemma 1), anything between grouped-query
 * (PaliGemma 2). The head dimension D is its own setting: H*D need not equal hidden (Gemma: D = 256).
 * Heads are never split into a separate axis here: the 3-D layout [B, T, heads * D] goes straight
 * from the projection into RoPE and attention (both ops know the head count).
 *
 * References: Vaswani et al. (https://arxiv.org/abs/1706.03762); Shazeer, "Fast Transformer Decoding"
 * (MQA, https://arxiv.org/abs/1911.02150); Ainslie et al., "GQA" (https://arxiv.org/abs/2305.13245).
 * Leaves out: dropout; the score/softmax/mix loop itself is the `attention` op of @paligemma-ts/tensor.
 */
import type { AttentionOptions, LinearParams, Ops } from "@paligemma-ts/tensor";

/** The four projections (Gemma: q/k/v/o_proj without bias; SigLIP: q/k/v/out_proj with bias). */
export interface AttentionWeights {
  q: LinearParams;
  k: LinearParams;
  v: LinearParams;
  o: LinearParams;
}

/** What one call attends with, besides its own tokens. */
export interface AttentionContext<T> {
  /** Additive mask [B|1, 1, T, Tp+T]; null = every query sees every key. */
  mask: T | null;
  /** RoPE half tables [B, T, D/2] for these T tokens; absent = no rotary embedding. */
  rope?: { cos: T; sin: T } | null;
  /** Keys and values of the Tp earlier tokens, [B, Tp, Hkv*D] each (Tp may be 0). */
  past?: { key: T; value: T } | null;
}

/** x [B, T, hidden] -> output [B, T, hidden], plus this call's new key and value rows [B, T, Hkv*D]. */
export function selfAttention<T>(ops: Ops<T>, x: T, w: AttentionWeights, options: AttentionOptions, ctx: AttentionContext<T>): { output: T; key: T; value: T } {
  const { numHeads: H, numKvHeads: Hkv } = options;
  let q = ops.linear(x, w.q); // [B, T, H*D]
  let k = ops.linear(x, w.k); // [B, T, Hkv*D]
  const v = ops.linear(x, w.v); // [B, T, Hkv*D]
  if (ctx.rope) {
    q = ops.rope(q, ctx.rope.cos, ctx.rope.sin, H);
    k = ops.rope(k, ctx.rope.cos, ctx.rope.sin, Hkv);
  }
  const keys = ctx.past ? ops.concat([ctx.past.key, k], 1) : k; // [B, Tp+T, Hkv*D]
  const values = ctx.past ? ops.concat([ctx.past.value, v], 1) : v;
  const o = ops.attention(q, keys, values, ctx.mask, options); // [B, T, H*D]
  return { output: ops.linear(o, w.o), key: k, value: v }; // [B, T, hidden]
}
