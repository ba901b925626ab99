/**
 * relu.ts — the rectified linear unit as a graph node: `relu(g, x)` = max(x, 0).
 *
 * Teaches: one ONNX `Relu` node, the same formula as the reference kernel (../../ops/relu.ts).
 *
 * Reference: https://onnx.ai/onnx/operators/onnx__Relu.html
 */
import type { Graph, Value } from "../graph.ts";

/** x [...] -> max(x, 0), same shape */
export function relu(g: Graph, x: Value): Value {
  return g.op("Relu", [x]);
}
