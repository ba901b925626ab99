/**
 * attention.ts — scaled dot-product attention with grouped-query heads, an arbitrary additive mask,
 * an optional logit soft-cap and sliding window, around one ONNX opset 23 `Attention` node.
 *
 * Teaches: for each query head h (reading key/value head g = floor(h / (H / Hkv))):
 *   s   = (q_h @ k_g^T) * scale            scale defaults to 1 / sqrt(D)
 *   s   = softcap * tanh(s / softcap)      Gemma 2, only when softcap > 0 (before the mask)
 *   s  += mask                             additive: 0 = visible, -Infinity = blocked
 *   s   = -Infinity where i - j >= window  sliding window (Gemma 2 local layers), slots counted with
 *                                          the Tq queries as the last Tq of the Tk keys
 *   out = softmax(s) @ v_g
 * Hkv = H is multi-head, 1 < Hkv < H grouped-query (PaliGemma 2), Hkv = 1 multi-query (PaliGemma 1).
 *
 * Layout: the "3-D" one straight out of the projections, q [B, Tq, H*D], k/v [B, Tk, Hkv*D]
 * -> [B, Tq, H*D] (no Transpose nodes in a fused layer); q_num_heads / kv_num_heads tell the op how
 * to split. (The 4-D layout [B, H, T, D] also works: the op infers heads from the shape.)
 * The window has no attribute in the op, so it is folded into the mask inside the graph:
 *   i = Range(Tk - Tq, Tk), j = Range(0, Tk), mask' = Where(i - j >= window, -inf, mask)
 * from the runtime shapes, so a prefill and a decode step share one graph.
 *
 * Verified on ORT 1.30 CPU against the reference kernel (../../ops/attention.ts, test/kernels.test.ts):
 * GQA ratios 1/2/4 and MQA, head dims 64/72/256, float masks broadcast from [Tq, Tk] or [B, 1, Tq, Tk],
 * softcap, windows, and query rows whose keys are all -Infinity (output 0, not NaN). com.microsoft
 * GroupQueryAttention is causal-only and cannot express the prefix-LM mask.
 *
 * References: https://onnx.ai/onnx/operators/onnx__Attention.html ; Vaswani et al. 2017;
 * Ainslie et al., "GQA" (https://arxiv.org/abs/2305.13245); Gemma 2 report (https://arxiv.org/abs/2408.00118).
 * Leaves out: the op's built-in KV cache (past_key/past_value; our cache lives in JS), is_causal.
 */
import { type AttentionOptions, checkAttentionOptions } from "../../ops/attention.ts";
import { type AttrValue, float, type Graph, type Value } from "../graph.ts";

/** q [B, Tq, H*D], k/v [B, Tk, Hkv*D], mask broadcastable to [B, H, Tq, Tk] | null -> [B, Tq, H*D] */
export function attention(g: Graph, q: Value, k: Value, v: Value, mask: Value | null, options: AttentionOptions): Value {
  checkAttentionOptions(options);
  const { numHeads, numKvHeads, scale, softcap, window } = options;
  const attrs: Record<string, AttrValue> = { q_num_heads: numHeads, kv_num_heads: numKvHeads };
  if (scale !== undefined) attrs.scale = float(scale);
  if (softcap) attrs.softcap = float(softcap);
  const m = window ? slidingWindow(g, q, k, mask, window) : mask;
  return g.op("Attention", [q, k, v, m], attrs); // [B, Tq, H*D]
}

/** mask [B|1, 1, Tq, Tk] (or null = zeros) with keys j <= i - window blocked: [.., Tq, Tk]. */
function slidingWindow(g: Graph, q: Value, k: Value, mask: Value | null, window: number): Value {
  const i64 = (n: number) => g.constant([n], "int64", "axis");
  const dim = (x: Value, axis: number) => g.op("Shape", [x], { start: axis, end: axis + 1 }); // [1] int64
  const Tq = g.op("Squeeze", [dim(q, 1)]); // scalar
  const Tk = g.op("Squeeze", [dim(k, 1)]);
  const one = g.constant(1, "int64", "one");
  const slots = g.op("Range", [g.op("Sub", [Tk, Tq]), Tk, one]); // [Tq] the queries' slots
  const keys = g.op("Range", [g.constant(0, "int64", "zero"), Tk, one]); // [Tk]
  const dist = g.op("Sub", [g.op("Unsqueeze", [slots, i64(1)]), g.op("Unsqueeze", [keys, i64(0)])]); // [Tq, Tk] = i - j
  const far = g.op("GreaterOrEqual", [dist, g.constant(window, "int64", "window")]); // [Tq, Tk] bool
  const base = mask ?? g.constant(0, "float32", "zero_mask");
  return g.op("Where", [far, g.constant(-Infinity, "float32", "neg_inf"), base]); // [B|1, 1, Tq, Tk]
}
