/**
 * ones_like_last_axis.ts — a [D] vector of ones where D = x.shape[-1], computed inside the graph.
 *
 * Teaches: graphs with symbolic dims cannot bake D in, so we read it from the data:
 *   D    = Shape(x, start=-1)             // int64 [1]
 *   ones = ConstantOfShape(D, value=1.0)  // [D]
 * Used when a norm has no learned scale (ONNX's LayerNormalization / RMSNormalization require one).
 *
 * Reference: https://onnx.ai/onnx/operators/onnx__Shape.html (start/end since opset 15),
 * https://onnx.ai/onnx/operators/onnx__ConstantOfShape.html
 */
import { Tensor } from "../../tensor.ts";
import type { Graph, Value } from "../graph.ts";

/** x [..., D] -> ones [D] of x's dtype */
export function onesLikeLastAxis(g: Graph, x: Value): Value {
  const d = g.op("Shape", [x], { start: -1 }); // [1] holding D
  const dtype = x.dtype ?? "float32";
  return g.op("ConstantOfShape", [d], { value: Tensor.fromValues([1], [1], dtype) }); // [D], x's dtype
}
