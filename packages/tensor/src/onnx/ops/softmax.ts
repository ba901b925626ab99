/**
 * softmax.ts — softmax along one axis as a graph node: `softmax(g, x, axis)`.
 *
 * Teaches:
 *   softmax(x)_i = exp(x_i - max(x)) / sum_j exp(x_j - max(x))
 * Subtracting the max changes nothing mathematically but keeps exp from overflowing for large
 * inputs (ORT's kernel does it). Since opset 13 ONNX Softmax normalizes over one axis only
 * (older opsets flattened everything after `axis`).
 *
 * Reference: https://onnx.ai/onnx/operators/onnx__Softmax.html
 */
import type { Graph, Value } from "../graph.ts";

/** x [..., N, ...] -> same shape, rows along `axis` sum to 1 */
export function softmax(g: Graph, x: Value, axis = -1): Value {
  return g.op("Softmax", [x], { axis });
}
