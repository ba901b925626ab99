/**
 * nn.ts — shape rules of the network ops: MatMul (and its contrib forms), the norms, Attention, Conv,
 * and the reductions.
 *
 * Teaches:
 *   MatMul        a [..., M, K] @ b [..., K, N] -> [broadcast(...), M, N]; a 1-D a is [1, K] and a
 *                 1-D b is [K, 1], that axis dropped again (NumPy matmul)
 *   FusedMatMul   alpha * op(a) @ op(b), op = transpose of the last two axes when transA / transB
 *   LayerNorm     Y like x; Mean / InvStdDev: x.shape[:axis] + ones
 *   Attention     3-D q [B, Tq, H*D], k [B, Tk, Hkv*D], v [B, Tk, Hkv*Dv] -> [B, Tq, H*Dv]
 *                 (4-D [B, H, T, D] in, [B, H, Tq, Dv] out); present k/v [B, Hkv, Tk(+past), D]
 *   Conv          x [N, C, S...], w [M, C/group, K...]: out_i = floor((S_i + pads - dil (K_i - 1) - 1) / stride) + 1
 *   Reduce*       axes from input 1 (or the attribute); keepdims = 1 keeps them as 1; no axes = all
 *                 (unless noop_with_empty_axes)
 *
 * Reference: https://onnx.ai/onnx/operators/ ; onnxruntime contrib_defs.cc (FusedMatMul,
 * DynamicQuantizeMatMul, MatMulNBits).
 */
import { broadcastShapes } from "../../ops/binary.ts";
import { floatAttr, intAttr, intsAttr, stringAttr } from "../node_attrs.ts";
import { axesOf } from "./layout.ts";
import { type ShapeRule, type ShapeRuleContext, axisOf } from "./rule.ts";

/** op(a) @ op(b) with NumPy broadcasting of the leading axes. */
function matmulShape(c: ShapeRuleContext, transA: boolean, transB: boolean): number[] {
  const a0 = c.shape(0);
  const b0 = c.shape(1);
  if (!a0.length || !b0.length) c.fail("MatMul operands must have rank >= 1");
  const a = a0.length === 1 ? [1, a0[0]] : [...a0];
  const b = b0.length === 1 ? [b0[0], 1] : [...b0];
  const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1], s[s.length - 2]];
  const A = transA ? swap(a) : a;
  const B = transB ? swap(b) : b;
  const [M, K] = A.slice(-2);
  const [K2, N] = B.slice(-2);
  if (K !== K2) c.fail(`inner dims differ: [${a0.join(", ")}]${transA ? "^T" : ""} @ [${b0.join(", ")}]${transB ? "^T" : ""}`);
  let batch: number[];
  try {
    batch = broadcastShapes(A.slice(0, -2), B.slice(0, -2));
  } catch (e) {
    return c.fail((e as Error).message);
  }
  return [...batch, ...(a0.length === 1 ? [] : [M]), ...(b0.length === 1 ? [] : [N])];
}

function attentionShapes(c: ShapeRuleContext) {
  const q = c.shape(0);
  const k = c.shape(1);
  const v = c.shape(2);
  if (c.has(4) !== c.has(5)) c.fail("past_key and past_value come together");
  const past = c.has(4) ? c.shape(4)[2] : 0;
  if (q.length === 3) {
    const H = intAttr(c.node, "q_num_heads") ?? c.fail("3-D inputs need q_num_heads");
    const Hkv = intAttr(c.node, "kv_num_heads") ?? c.fail("3-D inputs need kv_num_heads");
    if (k.length !== 3 || v.length !== 3) c.fail("q, k and v must all be 3-D or all 4-D");
    if (q[2] % H || k[2] % Hkv || v[2] % Hkv || q[2] / H !== k[2] / Hkv) c.fail(`q [${q.join(", ")}] / ${H} heads and k [${k.join(", ")}] / ${Hkv} heads have different head sizes`);
    const [B, Tq] = q;
    const D = q[2] / H;
    const Dv = v[2] / Hkv;
    const Tk = past + k[1];
    return [{ shape: [B, Tq, H * Dv] }, { shape: [B, Hkv, Tk, D] }, { shape: [B, Hkv, Tk, Dv] }, { shape: [B, H, Tq, Tk] }];
  }
  if (q.length !== 4 || k.length !== 4 || v.length !== 4) c.fail("q, k and v must all be 3-D or all 4-D");
  const [B, H, Tq, D] = q;
  const Tk = past + k[2];
  return [{ shape: [B, H, Tq, v[3]] }, { shape: [B, k[1], Tk, D] }, { shape: [B, v[1], Tk, v[3]] }, { shape: [B, H, Tq, Tk] }];
}

function convShape(c: ShapeRuleContext): number[] {
  const x = c.shape(0);
  const w = c.shape(1);
  const s = x.length - 2;
  const group = intAttr(c.node, "group", 1);
  if (w.length !== x.length || x[1] !== w[1] * group) c.fail(`input [${x.join(", ")}] and weight [${w.join(", ")}] do not fit (group ${group})`);
  const autoPad = stringAttr(c.node, "auto_pad", "NOTSET");
  if (autoPad !== "NOTSET" && autoPad !== "VALID") c.fail(`auto_pad ${autoPad} is not supported (write explicit pads)`);
  const kernel = intsAttr(c.node, "kernel_shape") ?? w.slice(2);
  const strides = intsAttr(c.node, "strides") ?? kernel.map(() => 1);
  const dil = intsAttr(c.node, "dilations") ?? kernel.map(() => 1);
  const pads = autoPad === "VALID" ? new Array<number>(2 * s).fill(0) : (intsAttr(c.node, "pads") ?? new Array<number>(2 * s).fill(0));
  const spatial = x.slice(2).map((d, i) => Math.floor((d + pads[i] + pads[s + i] - dil[i] * (kernel[i] - 1) - 1) / strides[i]) + 1);
  return [x[0], w[0], ...spatial];
}

const reduce: ShapeRule = (c) => {
  const x = c.shape(0);
  const keepdims = intAttr(c.node, "keepdims", 1);
  const given = axesOf(c);
  if ((!given || given.length === 0) && intAttr(c.node, "noop_with_empty_axes", 0)) return [{ shape: x }];
  const axes = given?.length ? given.map((a) => axisOf(c, a, x.length, "reduce axis")) : x.map((_, i) => i);
  return [{ shape: keepdims ? x.map((d, i) => (axes.includes(i) ? 1 : d)) : x.filter((_, i) => !axes.includes(i)) }];
};

export const NN_RULES: Record<string, ShapeRule> = {
  MatMul: (c) => [{ shape: matmulShape(c, false, false) }],
  "com.microsoft.FusedMatMul": (c) => {
    if (intAttr(c.node, "transBatchA", 0) || intAttr(c.node, "transBatchB", 0)) c.fail("transBatchA / transBatchB are not supported");
    floatAttr(c.node, "alpha", 1); // type check
    return [{ shape: matmulShape(c, !!intAttr(c.node, "transA", 0), !!intAttr(c.node, "transB", 0)) }];
  },
  "com.microsoft.DynamicQuantizeMatMul": (c) => [{ shape: [...c.shape(0).slice(0, -1), c.shape(1)[1]], dtype: "float32" }],
  "com.microsoft.MatMulNBits": (c) => [{ shape: [...c.shape(0).slice(0, -1), intAttr(c.node, "N") ?? c.fail("attribute N is required")], dtype: "float32" }],
  LayerNormalization: (c) => {
    const x = c.shape(0);
    const a = axisOf(c, intAttr(c.node, "axis", -1), x.length);
    const stats = x.map((d, i) => (i < a ? d : 1));
    return [{ shape: x }, { shape: stats, dtype: "float32" }, { shape: stats, dtype: "float32" }];
  },
  Attention: (c) => attentionShapes(c),
  Conv: (c) => [{ shape: convShape(c) }],
  ReduceSum: reduce,
  ReduceMean: reduce,
  ReduceMax: reduce,
  ReduceMin: reduce,
};
