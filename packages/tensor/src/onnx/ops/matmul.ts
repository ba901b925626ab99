/**
 * matmul.ts — matrix product as a graph node: `matMul(g, a, b)`.
 *
 * Teaches: ONNX MatMul has NumPy `matmul` semantics:
 *   y[..., i, j] = sum_k a[..., i, k] * b[..., k, j]        leading (batch) axes broadcast
 * A 1-D operand is treated as a row (a) or column (b) vector and that axis is dropped.
 *
 * ORT's CPU MatMul runs on MLAS; when `b` is an initializer it is prepacked once at session
 * creation (10-30% faster at M >= 16, shared/DESIGN.md section 4).
 *
 * Reference: https://onnx.ai/onnx/operators/onnx__MatMul.html
 */
import type { Graph, Value } from "../graph.ts";

/** a [..., M, K] @ b [..., K, N] -> [..., M, N] */
export function matMul(g: Graph, a: Value, b: Value): Value {
  return g.op("MatMul", [a, b]); // [..., M, N]
}
