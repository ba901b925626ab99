/**
 * attention.ts — scaled dot-product attention with grouped-query heads, an arbitrary additive
 * mask and an optional logit soft-cap, as one ONNX opset 23 `Attention` node.
 *
 * Teaches: for each query head h (reading key/value head g = floor(h / (H / Hkv))):
 *   s   = (q_h @ k_g^T) * scale            scale defaults to 1 / sqrt(D)
 *   s   = softcap * tanh(s / softcap)      Gemma 2, only when softcap > 0 (before the mask)
 *   s  += mask                             additive: 0 = visible, -Infinity = blocked
 *   out = softmax(s) @ v_g
 * Hkv = H is multi-head, 1 < Hkv < H grouped-query (PaliGemma 2), Hkv = 1 multi-query (PaliGemma 1).
 *
 * Layouts: q [B, H, Tq, D], k/v [B, Hkv, Tk, D] -> [B, H, Tq, D]; or the "3-D" layout straight out
 * of the projections, q [B, Tq, H*D], k/v [B, Tk, Hkv*D] -> [B, Tq, H*D] (saves two Transposes in a
 * fused layer). `numHeads`/`numKvHeads` are written as q_num_heads/kv_num_heads either way.
 *
 * Verified on ORT 1.30 CPU against the reference kernel: GQA ratios 1/2/4 and MQA, head dims
 * 64/72/256, float masks broadcast from [Tq, Tk] or [B, 1, Tq, Tk], softcap (applied before the
 * mask, like Gemma 2), and query rows whose keys are all -Infinity (output 0, not NaN). So no
 * MatMul/Tanh/Softmax composition is needed. com.microsoft GroupQueryAttention is causal-only and
 * cannot express the prefix-LM mask.
 *
 * References: https://onnx.ai/onnx/operators/onnx__Attention.html ; Vaswani et al. 2017;
 * Ainslie et al., "GQA" (https://arxiv.org/abs/2305.13245); Gemma 2 report (https://arxiv.org/abs/2408.00118).
 * Leaves out: the op's built-in KV cache (past_key/past_value; our cache lives in JS), is_causal.
 */
import { ArgumentError } from "../../errors.ts";
import { type AttrValue, float, type Graph, type Value } from "../graph.ts";

export interface AttentionOptions {
  numHeads: number;
  numKvHeads: number;
  /** Multiplier of q.k; default 1 / sqrt(D). */
  scale?: number;
  /** Gemma 2 attention-logit soft-cap (e.g. 50); 0 or undefined = none. */
  softcap?: number;
}

/** q [B, H, Tq, D], k/v [B, Hkv, Tk, D], mask broadcastable to [B, H, Tq, Tk] | null -> [B, H, Tq, D] */
export function attention(g: Graph, q: Value, k: Value, v: Value, mask: Value | null, options: AttentionOptions): Value {
  const { numHeads, numKvHeads, scale, softcap } = options;
  if (!Number.isInteger(numHeads) || !Number.isInteger(numKvHeads) || numKvHeads < 1 || numHeads % numKvHeads !== 0) {
    throw new ArgumentError(`attention: numHeads ${numHeads} must be a positive multiple of numKvHeads ${numKvHeads}`);
  }
  const attrs: Record<string, AttrValue> = { q_num_heads: numHeads, kv_num_heads: numKvHeads };
  if (scale !== undefined) attrs.scale = float(scale);
  if (softcap) attrs.softcap = float(softcap);
  return g.op("Attention", [q, k, v, mask], attrs); // [B, H, Tq, D] (or [B, Tq, H*D])
}
