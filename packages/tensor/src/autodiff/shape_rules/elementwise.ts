/**
 * elementwise.ts — shape rules of elementwise ops: same shape, or NumPy broadcasting.
 *
 * Teaches:
 *   unary  (Exp, Tanh, Gelu, Softmax, Cast, ...)   out.shape = x.shape
 *   n-ary  (Add, Mul, Where, Equal, ...)           out.shape = broadcast(a.shape, b.shape, ...)
 *          broadcast: align at the last axis; each pair equal or one of them 1; take the larger
 * Integer ops on known values (shape arithmetic: Sub of two dims, Equal, Where...) are folded, so the
 * result is known too. Comparisons give bool, Cast gives `to`.
 *
 * Reference: https://onnx.ai/onnx/repo-docs/Broadcasting.html ; ../../ops/binary.ts (the same rule
 * in the reference kernels).
 */
import { dtypeFromOnnx } from "../../onnx/onnx_proto.ts";
import { broadcastShapes, broadcastStrides } from "../../ops/binary.ts";
import { numel } from "../../tensor.ts";
import { intAttr, tensorAttr } from "../node_attrs.ts";
import type { OutputType, ShapeRule, ShapeRuleContext } from "./rule.ts";

/** out = in, values passed through (Identity) or dropped. */
const same = (keepValues: boolean): ShapeRule => (c) => {
  const x = c.input(0);
  return [{ shape: x.shape, ...(keepValues && x.values ? { values: x.values } : {}) }];
};

/** Broadcast of every present input's shape (a ShapeInferenceError when they do not fit). */
export function broadcastInputs(c: ShapeRuleContext): number[] {
  let out: number[] = [];
  for (let i = 0; i < c.count; i++) {
    if (!c.has(i)) continue;
    try {
      out = broadcastShapes(out, c.shape(i));
    } catch (e) {
      c.fail((e as Error).message);
    }
  }
  return out;
}

/** fn applied with broadcasting to known values, or undefined when some input's values are unknown. */
function foldBroadcast(c: ShapeRuleContext, shape: readonly number[], fn: (...xs: number[]) => number): number[] | undefined {
  const ins = Array.from({ length: c.count }, (_, i) => c.input(i));
  if (ins.some((t) => !t.values) || numel(shape) > 4096) return undefined;
  const strides = ins.map((t) => broadcastStrides(t.shape, shape));
  const out: number[] = [];
  const idx = new Array<number>(shape.length).fill(0);
  for (let n = 0; n < numel(shape); n++) {
    out.push(fn(...ins.map((t, k) => t.values![idx.reduce((s, d, j) => s + d * strides[k][j], 0)])));
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return out;
}

const broadcasting = (fn?: (...xs: number[]) => number, dtype?: "bool"): ShapeRule => (c) => {
  const shape = broadcastInputs(c);
  const values = fn ? foldBroadcast(c, shape, fn) : undefined;
  return [{ shape, ...(dtype ? { dtype } : {}), ...(values ? { values } : {}) } as OutputType];
};

const UNARY = [
  "Neg", "Exp", "Log", "Sqrt", "Tanh", "Sigmoid", "Softplus", "Erf", "Abs", "Reciprocal", "Relu", "Gelu", "Floor", "Ceil",
  "Round", "Sign", "Softmax", "LogSoftmax", "RotaryEmbedding", "RMSNormalization", "com.microsoft.FastGelu",
];
const num = (b: boolean) => (b ? 1 : 0);

export const ELEMENTWISE_RULES: Record<string, ShapeRule> = {
  ...Object.fromEntries(UNARY.map((op) => [op, same(false)])),
  Identity: same(true),
  Not: (c) => [{ shape: c.shape(0), dtype: "bool" }],
  IsNaN: (c) => [{ shape: c.shape(0), dtype: "bool" }],
  IsInf: (c) => [{ shape: c.shape(0), dtype: "bool" }],
  Cast: (c) => {
    const to = dtypeFromOnnx(intAttr(c.node, "to") ?? -1) ?? c.fail("attribute `to` is missing or a type we do not model");
    const x = c.input(0);
    return [{ shape: x.shape, dtype: to, ...(x.values ? { values: x.values.map((v) => (to === "bool" ? num(v !== 0) : to === "int64" || to === "int32" ? Math.trunc(v) : v)) } : {}) }];
  },
  Add: broadcasting((a, b) => a + b),
  Sub: broadcasting((a, b) => a - b),
  Mul: broadcasting((a, b) => a * b),
  Div: broadcasting((a, b) => Math.trunc(a / b)), // only integer values are folded: C-style division
  Pow: broadcasting(),
  Max: broadcasting((...xs) => Math.max(...xs)),
  Min: broadcasting((...xs) => Math.min(...xs)),
  Sum: broadcasting((...xs) => xs.reduce((a, b) => a + b, 0)),
  Where: broadcasting((cond, a, b) => (cond ? a : b)),
  Equal: broadcasting((a, b) => num(a === b), "bool"),
  Less: broadcasting((a, b) => num(a < b), "bool"),
  LessOrEqual: broadcasting((a, b) => num(a <= b), "bool"),
  Greater: broadcasting((a, b) => num(a > b), "bool"),
  GreaterOrEqual: broadcasting((a, b) => num(a >= b), "bool"),
  And: broadcasting((a, b) => num(!!a && !!b), "bool"),
  Or: broadcasting((a, b) => num(!!a || !!b), "bool"),
  Xor: broadcasting((a, b) => num(!!a !== !!b), "bool"),
  ConstantOfShape: (c) => {
    const shape = c.has(0) ? c.values(0, "shape") : [];
    const value = tensorAttr(c.node, "value") ?? { dtype: "float32" as const, values: [0] };
    return [{ shape, dtype: value.dtype, values: new Array<number>(numel(shape)).fill(value.values[0] ?? 0) }];
  },
};
