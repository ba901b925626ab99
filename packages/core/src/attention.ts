/**
 * attention.ts — multi-head self-attention as a layer: multi-head, multi-query and grouped-query.
 *
 * Teaches the whole layer, step by step, for x [B, T, hidden]:
 *   q = x Wq^T   [B, T, H*D]  -> split heads -> [B, H, T, D]
 *   k = x Wk^T   [B, T, Hkv*D] -> [B, Hkv, T, D]      (v likewise)
 *   q, k = rope(q, pos), rope(k, pos)                   (decoders; SigLIP has learned positions instead)
 *   k, v = cache ++ k, cache ++ v                       (decode: attend to everything seen so far)
 *   s    = q k^T * scale                                [B, H, T, Tk]; scale = D^-0.5 unless given
 *   s    = softcap * tanh(s / softcap)                  (Gemma 2, before the mask)
 *   p    = softmax(s + mask)                            additive mask [B, 1, T, Tk]
 *   o    = p v                                          [B, H, T, D] -> merge heads [B, T, H*D]
 *   y    = o Wo^T                                       [B, T, hidden]
 * H query heads share Hkv key/value heads (query head h uses kv head floor(h / (H/Hkv))): Hkv = H is
 * multi-head, Hkv = 1 multi-query (PaliGemma 1), anything between grouped-query (PaliGemma 2).
 * The head dimension D is its own setting: H*D need not equal hidden (Gemma: D = 256 always).
 *
 * References: Vaswani et al. (https://arxiv.org/abs/1706.03762); Shazeer, "Fast Transformer Decoding"
 * (MQA, https://arxiv.org/abs/1911.02150); Ainslie et al., "GQA" (https://arxiv.org/abs/2305.13245).
 * Leaves out: dropout; the score/softmax/mix loop itself is `scaledDotProductAttention` in @paligemma-ts/tensor.
 */
import { ShapeError, type Tensor, scaledDotProductAttention } from "@paligemma-ts/tensor";
import type { LayerKVCache } from "./kv_cache.ts";
import { type LinearParams, linear } from "./linear.ts";
import { type RotaryTables, applyRotary } from "./rotary_embedding.ts";

/** The four projections (Gemma: q/k/v/o_proj without bias; SigLIP: q/k/v/out_proj with bias). */
export interface AttentionWeights {
  q: LinearParams;
  k: LinearParams;
  v: LinearParams;
  o: LinearParams;
}

export interface AttentionOptions {
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  /** Score scale; default headDim^-0.5 (Gemma 2 uses query_pre_attn_scalar^-0.5). */
  scale?: number;
  /** Gemma 2 attention-logit soft-cap (applied before the mask); null/0 = none. */
  softcap?: number | null;
  /** Additive mask broadcastable to [B, H, T, Tk]; null = every query sees every key. */
  mask?: Tensor | null;
  /** RoPE tables for these T tokens ([B, T, D]); null = no rotary embedding. */
  rope?: RotaryTables | null;
  /** This layer's cache: new k, v are appended and attention runs over all filled slots. */
  cache?: LayerKVCache | null;
}

/** [B, T, N*D] -> [B, N, T, D] */
function splitHeads(x: Tensor, n: number, d: number): Tensor {
  const [B, T, C] = x.shape;
  if (C !== n * d) throw new ShapeError(`attention: projection gives ${C} features, expected ${n} heads x ${d}`);
  return x.reshape([B, T, n, d]).permute([0, 2, 1, 3]); // [B, N, T, D]
}

/** Self-attention over x [B, T, hidden] -> [B, T, hidden]. */
export function selfAttention(x: Tensor, w: AttentionWeights, opts: AttentionOptions): Tensor {
  const { numHeads: H, numKvHeads: Hkv, headDim: D } = opts;
  if (x.rank !== 3) throw new ShapeError(`attention: input must be [B, T, hidden], got [${x.shape.join(", ")}]`);
  const [B, T] = x.shape;
  let q = splitHeads(linear(x, w.q), H, D); // [B, H, T, D]
  let k = splitHeads(linear(x, w.k), Hkv, D); // [B, Hkv, T, D]
  let v = splitHeads(linear(x, w.v), Hkv, D); // [B, Hkv, T, D]
  if (opts.rope) {
    q = applyRotary(q, opts.rope);
    k = applyRotary(k, opts.rope);
  }
  if (opts.cache) {
    opts.cache.append(k, v);
    ({ keys: k, values: v } = opts.cache.read()); // [B, Hkv, Tk, D]
  }
  const o = scaledDotProductAttention(q, k, v, opts.mask ?? null, {
    scale: opts.scale ?? 1 / Math.sqrt(D),
    softcap: opts.softcap ?? 0,
  }); // [B, H, T, D]
  const merged = o.permute([0, 2, 1, 3]).reshape([B, T, H * D]); // [B, T, H*D]
  return linear(merged, w.o); // [B, T, hidden]
}
