/**
 * attention.ts — gradient of the opset 23 Attention node, as onnx/ops/attention.ts emits it.
 *
 * Teaches: the forward keeps nothing, so the backward recomputes the probabilities with primitive
 * ops, then runs scaled dot-product attention backwards (FlashAttention's backward, unfused):
 *   s0 = scale * q k^T               [B, H, Tq, Tk]   scale defaults to 1 / sqrt(D)
 *   s1 = c * tanh(s0 / c)            soft-cap c (Gemma 2), applied before the mask
 *   s2 = s1 + mask                   additive float mask (a bool mask: where(mask, s1, -inf))
 *   p  = softmax(s2), rows with every key at -inf give p = 0 (as ORT's kernel outputs 0)
 *   y  = p v
 * backward, with dy [B, H, Tq, Dv]:
 *   dv  = p^T dy                     dp  = dy v^T
 *   ds2 = p * (dp - sum(dp * p, -1)) (softmax VJP)          dmask = ds2 summed to the mask's shape
 *   ds0 = ds2 * (1 - tanh^2)         (soft-cap VJP, with tanh = s1 / c)
 *   dq  = scale * ds0 k              dk  = scale * ds0^T q
 * Grouped-query heads: query head h reads kv head h / G (G = H / Hkv). Grouping the G query heads of
 * each kv head into one "long" query block, q [B, H, Tq, D] -> [B, Hkv, G*Tq, D] (a free reshape: the
 * heads of one group are adjacent), makes every product a plain batched MatMul, and dk, dv = (...)^T q
 * sum over the group inside the MatMul. Hkv = H is multi-head, Hkv = 1 multi-query.
 * The safe softmax: m = max(max(s2, -1), lowest finite), e = exp(s2 - m), p = e / max(sum(e), 1): a
 * row that has a visible key has sum(e) >= 1 (its max gives exp(0) = 1); a fully blocked row has
 * e = 0 and p = 0, so its gradients are exactly 0, never NaN.
 *
 * Layout: 3-D q [B, Tq, H*D], k [B, Tk, Hkv*D], v [B, Tk, Hkv*Dv] (q_num_heads / kv_num_heads), or 4-D
 * [B, heads, T, D]. Not supported (a GradientError naming the node): past_key/past_value, is_causal,
 * gradients through the optional outputs.
 *
 * References: Dao et al., "FlashAttention" (https://arxiv.org/abs/2205.14135, Algorithm 4, the
 * backward); PyTorch derivatives.yaml (_scaled_dot_product_attention_math via softmax/bmm);
 * https://onnx.ai/onnx/operators/onnx__Attention.html ; DESIGN.md sections 4 and 9.
 */
import type { Value } from "../../onnx/graph.ts";
import { floatAttr, intAttr } from "../node_attrs.ts";
import type { VjpContext, VjpRule } from "../vjp_rule.ts";

/** p = softmax(s, -1) with fully -inf rows giving 0 (not NaN). */
function safeSoftmax(c: VjpContext, s: Value): Value {
  const dt = c.dtype(s);
  const lowest = c.scalar(dt === "float64" ? -Number.MAX_VALUE : -3.4028234663852886e38, dt);
  const m = c.op("Max", [c.op("ReduceMax", [s, c.ints([-1])], { keepdims: 1 }), lowest]); // [..., 1], finite
  const e = c.op("Exp", [c.sub(s, m)]);
  return c.div(e, c.op("Max", [c.sum(e, [-1]), c.scalar(1, dt)]));
}

export const ATTENTION_RULES: Record<string, VjpRule> = {
  // formulas in the header
  Attention: (c, [dy, ...rest]) => {
    if (rest.some((d) => d)) c.fail("gradients through present_key / present_value / qk_matmul_output are not supported");
    if (c.has(4) || c.has(5) || c.has(6)) c.fail("past_key / past_value / nonpad_kv_seqlen have no gradient rule (train on whole sequences)");
    if (intAttr(c.node, "is_causal", 0)) c.fail("is_causal has no gradient rule: pass a causal mask instead");
    const [q, k, v] = [c.input(0), c.input(1), c.input(2)];
    const mask = c.has(3) ? c.input(3) : null;
    const [sq, sk, sv] = [c.shape(q), c.shape(k), c.shape(v)];
    const threeD = sq.length === 3;
    const B = sq[0];
    const H = threeD ? intAttr(c.node, "q_num_heads")! : sq[1];
    const Hkv = threeD ? intAttr(c.node, "kv_num_heads")! : sk[1];
    const [Tq, Tk] = threeD ? [sq[1], sk[1]] : [sq[2], sk[2]];
    const D = threeD ? sq[2] / H : sq[3];
    const Dv = threeD ? sv[2] / Hkv : sv[3];
    const G = H / Hkv;
    const scale = floatAttr(c.node, "scale", 1 / Math.sqrt(D));
    const cap = floatAttr(c.node, "softcap", 0);
    const dt = c.dtype(q);
    // [B, T, n*d] <-> [B, n, T, d] (nothing to do for 4-D inputs)
    const heads = (x: Value, T: number, n: number, d: number) => (threeD ? c.transpose(c.reshape(x, [B, T, n, d]), [0, 2, 1, 3]) : x);
    const unheads = (x: Value, T: number, n: number, d: number) => (threeD ? c.reshape(c.transpose(x, [0, 2, 1, 3]), [B, T, n * d]) : x);
    const grouped = (x: Value, d: number) => c.reshape(x, [B, Hkv, G * Tq, d]); // [B, H, Tq, d] -> [B, Hkv, G*Tq, d]

    // Recompute p.
    const qg = grouped(heads(q, Tq, H, D), D); // [B, Hkv, G*Tq, D]
    const k4 = heads(k, Tk, Hkv, D); // [B, Hkv, Tk, D]
    const v4 = heads(v, Tk, Hkv, Dv); // [B, Hkv, Tk, Dv]
    const s0 = c.reshape(c.scale(c.matmul(qg, c.swapLast(k4)), scale), [B, H, Tq, Tk]); // [B, H, Tq, Tk]
    const t = cap ? c.op("Tanh", [c.scale(s0, 1 / cap)]) : null;
    const s1 = t ? c.scale(t, cap) : s0;
    let s2 = s1;
    if (mask && c.dtype(mask) === "bool") s2 = c.op("Where", [mask, s1, c.scalar(-Infinity, dt)]);
    else if (mask) s2 = c.add(s1, mask);
    const p = mask ? safeSoftmax(c, s2) : c.op("Softmax", [s2], { axis: -1 }); // [B, H, Tq, Tk]
    const pg = grouped(p, Tk); // [B, Hkv, G*Tq, Tk]

    const dyg = grouped(heads(dy!, Tq, H, Dv), Dv); // [B, Hkv, G*Tq, Dv]
    const dv = c.needs(2) ? unheads(c.matmul(c.swapLast(pg), dyg), Tk, Hkv, Dv) : null; // p^T dy, summed over the group
    const needMask = !!mask && c.needs(3) && c.dtype(mask) !== "bool";
    if (!c.needs(0) && !c.needs(1) && !needMask) return [null, null, dv, null];

    const dp = c.reshape(c.matmul(dyg, c.swapLast(v4)), [B, H, Tq, Tk]); // dy v^T   [B, H, Tq, Tk]
    const ds2 = c.mul(p, c.sub(dp, c.sum(c.mul(dp, p), [-1]))); // softmax VJP
    const dmask = needMask ? c.unbroadcast(ds2, c.shape(mask!)) : null;
    const ds0 = t ? c.mul(ds2, c.oneMinusSquare(t)) : ds2; // soft-cap VJP
    const dsg = grouped(c.scale(ds0, scale), Tk); // [B, Hkv, G*Tq, Tk]
    const dq = c.needs(0) ? unheads(c.reshape(c.matmul(dsg, k4), [B, H, Tq, D]), Tq, H, D) : null; // ds k
    const dk = c.needs(1) ? unheads(c.matmul(c.swapLast(dsg), qg), Tk, Hkv, D) : null; // ds^T q, summed over the group
    return [dq, dk, dv, dmask];
  },
};
