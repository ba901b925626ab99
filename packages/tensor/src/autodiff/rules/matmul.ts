/**
 * matmul.ts — gradients of MatMul and com.microsoft FusedMatMul (what onnx/ops/linear.ts emits).
 *
 * Teaches: for Y = alpha * A' @ B' with A' = op(A), B' = op(B) (op = swap of the last two axes when
 * transA / transB), the two VJPs are matrix products with the other operand transposed:
 *   dA' = alpha * dY @ B'^T            dB' = alpha * A'^T @ dY
 *   dA  = transA ? dA'^T : dA'         dB  = transB ? dB'^T : dB'
 * Written so that no extra Transpose is needed where it can be avoided:
 *   transB: dB = alpha * dY^T @ A'     (the linear layer's weight gradient [out, in])
 *   transA: dA = alpha * B' @ dY^T
 * Leading (batch) axes broadcast like NumPy, so each gradient is summed back to its operand's shape.
 * A weight [K, N] (or [N, K]) shared by every row of x [..., K] gets one 2-D product over the
 * flattened rows instead of a batched product and a ReduceSum:
 *   dW = reshape(x, [-1, K])^T @ reshape(dY, [-1, N])
 * A 1-D operand is a row (A) or column (B) vector whose axis the output drops: the gradient of the
 * output is given that unit axis back first. The transposes are plain Transpose nodes: ORT's optimizer
 * folds Transpose + MatMul into its own FusedMatMul (transA / transB) at session creation.
 *
 * References: PyTorch derivatives.yaml (mm, bmm, matmul: `matmul_backward`); JAX `_dot_general_transpose_lhs`;
 * onnxruntime contrib_defs.cc (FusedMatMul: alpha, transA, transB, transBatchA/B).
 */
import type { Value } from "../../onnx/graph.ts";
import { numel } from "../../tensor.ts";
import { floatAttr, intAttr } from "../node_attrs.ts";
import type { VjpContext, VjpRule } from "../vjp_rule.ts";

interface MatmulForm {
  transA: boolean;
  transB: boolean;
  alpha: number;
}

/** [dA, dB] of Y = alpha * op(A) @ op(B) (null where not needed). */
function matmulVjp(c: VjpContext, dy: Value, f: MatmulForm): (Value | null)[] {
  const A = c.input(0);
  const B = c.input(1);
  const [sa, sb] = [c.shape(A), c.shape(B)];
  // 1-D operands as matrices: A [K] -> [1, K], B [K] -> [K, 1]; dY gets the dropped axis back.
  const a = sa.length === 1 ? c.reshape(A, [1, sa[0]]) : A;
  const b = sb.length === 1 ? c.reshape(B, [sb[0], 1]) : B;
  const sy = [...c.shape(dy)];
  if (sa.length === 1) sy.splice(sy.length - (sb.length === 1 ? 0 : 1), 0, 1);
  if (sb.length === 1) sy.push(1);
  const g = c.scale(c.reshape(dy, sy), f.alpha); // alpha * dY  [..., M, N]
  let dA: Value | null = null;
  let dB: Value | null = null;
  if (c.needs(0)) {
    if (f.transA) dA = c.matmul(f.transB ? c.swapLast(b) : b, c.swapLast(g)); // B' @ dY^T   [..., K, M]
    else dA = c.matmul(g, f.transB ? b : c.swapLast(b)); // dY @ B'^T  [..., M, K]
    dA = c.unbroadcast(dA, sa.length === 1 ? [1, sa[0]] : sa);
    dA = c.reshape(dA, sa);
  }
  if (c.needs(1)) {
    const sharedWeight = c.shape(b).length === 2 && c.shape(a).length > 2 && !f.transA;
    if (sharedWeight) {
      // one 2-D product over all R rows: [R, K]^T @ [R, N] = [K, N] (transB: [R, N]^T @ [R, K] = [N, K])
      const rows = numel(c.shape(a).slice(0, -1));
      const a2 = c.reshape(a, [rows, c.shape(a).at(-1)!]);
      const g2 = c.reshape(g, [rows, sy.at(-1)!]);
      dB = f.transB ? c.matmul(c.swapLast(g2), a2) : c.matmul(c.swapLast(a2), g2);
    } else {
      if (f.transB) dB = c.matmul(c.swapLast(g), f.transA ? c.swapLast(a) : a); // dY^T @ A'   [..., N, K]
      else dB = c.matmul(f.transA ? a : c.swapLast(a), g); // A'^T @ dY   [..., K, N]
      dB = c.unbroadcast(dB, sb.length === 1 ? [sb[0], 1] : sb);
    }
    dB = c.reshape(dB, sb);
  }
  return [dA, dB];
}

export const MATMUL_RULES: Record<string, VjpRule> = {
  // Y = A @ B:  dA = dY @ B^T,  dB = A^T @ dY  (summed over broadcast batch axes)
  MatMul: (c, [dy]) => matmulVjp(c, dy!, { transA: false, transB: false, alpha: 1 }),

  // Y = alpha * op(A) @ op(B):  formulas in the header
  "com.microsoft.FusedMatMul": (c, [dy]) => {
    if (intAttr(c.node, "transBatchA", 0) || intAttr(c.node, "transBatchB", 0)) c.fail("transBatchA / transBatchB have no gradient rule");
    if (c.shape(c.input(0)).length < 2 || c.shape(c.input(1)).length < 2) c.fail("FusedMatMul operands must be at least 2-D");
    return matmulVjp(c, dy!, { transA: !!intAttr(c.node, "transA", 0), transB: !!intAttr(c.node, "transB", 0), alpha: floatAttr(c.node, "alpha", 1) });
  },
};
