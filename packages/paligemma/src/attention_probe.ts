/**
 * attention_probe.ts — what did the answer look at? One decoder layer's attention probabilities for
 * one query token, recomputed from what generation already keeps, shown over the image patches.
 *
 * Teaches: the fused ONNX layers return hidden states and new K/V rows, never the T x T attention
 * matrix (it would be heads x T x T floats per layer per step). But a single query's attention row
 * is cheap to recompute from two things generation has anyway:
 *   x_i    the layer's input hidden state at the query's slot (GemmaModel.forward's trace,
 *          "text.layer{i}.input", already times sqrt(H))
 *   K_i    the layer's keys, RoPE applied: exactly the KV cache's rows
 * and the layer's own weights, with core's building blocks:
 *   q      = rope(rms_norm(x_i, input_layernorm) Wq^T, position)          [B, 1, H*D]
 *   s_h    = q_h K_{g(h)}^T * scale   (+ Gemma 2: c * tanh(s / c))        [B, H, Tk]   g(h) = h / (H / Hkv)
 *   p_h    = softmax(s_h + mask)      mask: padding, causal / prefix-LM, Gemma 2's sliding window
 *   p      = mean_h p_h                                                    [B, Tk]
 * `attentionProbabilities` is that math, written against `Ops` (eager here; a graph would fuse it).
 * `imageAttentionMap` keeps the image slots of one row, p[img0 .. img0 + N), as a [side, side]
 * grid (N = side^2 patches, row-major as SigLIP numbers them) plus how much mass went to the image.
 * Which query? In generation, the token at step t is sampled from the logits of the PREVIOUS slot
 * (the prompt's last slot for t = 0), so "the attention of generated token t" is that slot's query,
 * as in Hugging Face's `generate(output_attentions=True)` (attentions[t]).
 *
 * Reference: Vaswani et al., "Attention Is All You Need" (https://arxiv.org/abs/1706.03762);
 * Abnar & Zuidema, "Quantifying Attention Flow in Transformers" (https://arxiv.org/abs/2005.00928)
 * on why one layer's raw attention is only a hint of what a model used.
 * Leaves out: attention rollout / flow across layers, per-head maps in the grid, gradients (saliency).
 */
import type { GemmaLayerWeights, GemmaTextConfig } from "@paligemma-ts/gemma";
import { attentionScale, slidingWindowOf } from "@paligemma-ts/gemma";
import { ArgumentError, type Ops, Tensor } from "@paligemma-ts/tensor";

/** The inputs of one probe: B rows, one query each, Tk keys. */
export interface ProbeInputs<T> {
  /** The layer's input hidden state at the query slot, [B, 1, H] (times sqrt(H), as traced). */
  hidden: T;
  /** RoPE half tables of the query positions, [B, 1, D/2]. */
  cos: T;
  sin: T;
  /** The layer's keys (RoPE applied), [B, Tk, Hkv*D]. */
  keys: T;
  /** Additive mask [B, 1, 1, Tk]: 0 = seen, -Infinity = not (padding, later slots, outside a window). */
  mask: T;
}

/**
 * softmax(q K^T * scale [+ soft-cap] + mask) for one query per row, per head [B, H, Tk] and averaged
 * over heads [B, Tk] (see the header).
 */
export function attentionProbabilities<T>(ops: Ops<T>, c: GemmaTextConfig, layer: number, w: GemmaLayerWeights, x: ProbeInputs<T>): { perHead: T; mean: T } {
  const { num_attention_heads: H, num_key_value_heads: Hkv, head_dim: D } = c;
  const G = H / Hkv; // query heads per key/value head
  const h = ops.rmsNorm(x.hidden, w.input_layernorm, c.rms_norm_eps); // [B, 1, Hd]
  const q = ops.rope(ops.linear(h, w.self_attn.q), x.cos, x.sin, H); // [B, 1, H*D]
  const qg = ops.reshape(q, [0, Hkv, G, D]); // [B, Hkv, G, D]   head h = g(h) * G + (h mod G)
  const k = ops.transpose(ops.reshape(x.keys, [0, 0, Hkv, D]), [0, 2, 3, 1]); // [B, Hkv, D, Tk]
  let s = ops.mul(ops.matmul(qg, k), attentionScale(c)); // [B, Hkv, G, Tk]
  const cap = c.model_type === "gemma2" ? c.attn_logit_softcapping : null;
  if (cap) s = ops.softCap(s, cap);
  s = ops.reshape(s, [0, H, -1]); // [B, H, Tk]
  const perHead = ops.softmax(ops.add(s, ops.reshape(x.mask, [0, 1, -1])), -1); // [B, H, Tk]
  return { perHead, mean: ops.reduceMean(perHead, [1]) }; // [B, Tk]
}

/** Add Gemma 2's sliding window of `layer` to a one-query mask [B, 1, 1, Tk] (the query is slot `querySlot`). */
export function windowedMask(c: GemmaTextConfig, layer: number, mask: Tensor, querySlot: number): Tensor {
  const window = slidingWindowOf(c, layer);
  if (window === null) return mask;
  const out = mask.toFloat32().slice();
  const Tk = mask.shape[3];
  for (let b = 0; b < mask.shape[0]; b++) for (let j = 0; j < Tk; j++) if (querySlot - j >= window) out[b * Tk + j] = -Infinity;
  return new Tensor("float32", [...mask.shape], out);
}

/** One row's attention over the image patches. */
export interface ImageAttentionMap {
  /** Patches per side: the map is side x side, row-major (top-left first). */
  side: number;
  /** p over the image slots, side * side values (they sum to `imageMass`). */
  values: number[];
  /** Share of the query's attention that went to the image (the rest: <bos>, prompt, earlier answer). */
  imageMass: number;
  /** The largest value and the patch [row, col] it is at. */
  max: number;
  argmax: [number, number];
}

/** The image slots [firstSlot, firstSlot + numImageTokens) of mean probabilities `p` [Tk] as a square map. */
export function imageAttentionMap(p: ArrayLike<number>, firstSlot: number, numImageTokens: number): ImageAttentionMap {
  const side = Math.round(Math.sqrt(numImageTokens));
  if (side * side !== numImageTokens) throw new ArgumentError(`attention map: ${numImageTokens} image tokens are not a square grid`);
  if (firstSlot < 0 || firstSlot + numImageTokens > p.length) throw new ArgumentError(`attention map: image slots [${firstSlot}, ${firstSlot + numImageTokens}) outside ${p.length} keys`);
  const values = Array.from({ length: numImageTokens }, (_, i) => p[firstSlot + i]);
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  const imageMass = values.reduce((a, v) => a + v, 0);
  return { side, values, imageMass, max: values[best], argmax: [Math.floor(best / side), best % side] };
}
