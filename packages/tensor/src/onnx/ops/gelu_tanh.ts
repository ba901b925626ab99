/**
 * gelu_tanh.ts — GELU with the tanh approximation as one graph node: `geluTanh(g, x)`.
 *
 * Teaches:
 *   gelu_tanh(x) = 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
 * the activation of SigLIP's MLP and Gemma's gated MLP (`gelu_pytorch_tanh` in Hugging Face configs).
 * ONNX has it as `Gelu(approximate="tanh")` since opset 20; ORT runs it on CPU.
 *
 * References: Hendrycks & Gimpel, "GELUs" (https://arxiv.org/abs/1606.08415);
 * https://onnx.ai/onnx/operators/onnx__Gelu.html
 */
import type { Graph, Value } from "../graph.ts";

/** x [...] -> same shape */
export function geluTanh(g: Graph, x: Value): Value {
  return g.op("Gelu", [x], { approximate: "tanh" });
}
