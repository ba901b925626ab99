/**
 * linear.ts — a fully connected layer as graph nodes, in every weight form: `linear(g, x, w, bias)`.
 *
 * Teaches: PyTorch's nn.Linear stores its weight as [out, in] and computes
 *   y = x @ W^T + b          x [..., in], W [out, in], b [out] -> y [..., out]
 * One call, three forms of W (the plan that picks one per layer is the caller's, e.g. CheckpointWeights):
 *   float  W float32 [out, in]: com.microsoft FusedMatMul(x, W, transB = 1) (+ Add b). It reads W
 *          transposed in place, so a memory-mapped checkpoint weight is never copied (a Transpose node
 *          would be constant-folded into a transposed copy at session creation). Measured on
 *          onnxruntime-node 1.30, 2 cores: as fast as MatMul on a pre-transposed weight (Gemma 2B
 *          layer, T=1 34.3 vs 34.4 ms; T=276 485 vs 479 ms); Gemm(transB) needs a 2-D x (a Reshape
 *          pair) and was no faster. With W a graph input (training) it is the same node.
 *   int8   W per-output-channel int8 [in, out] + scales [out]: DynamicQuantizeMatMul, an integer
 *          GEMM that also quantizes x per call (dynamic_quantize_matmul.ts): ~3x float at prefill
 *   nbits  W blockwise int4/int8 + scales + zero points: MatMulNBits, weight-only, dequantized in
 *          the kernel (matmul_nbits.ts): the fewest bytes per decode step
 * The bias is fused into the quantized nodes and an Add after FusedMatMul.
 *
 * References: https://pytorch.org/docs/stable/generated/torch.nn.Linear.html ; ORT contrib ops
 * FusedMatMul, DynamicQuantizeMatMul, MatMulNBits (onnxruntime/core/graph/contrib_ops/).
 */
import { type Graph, MS_DOMAIN, type Value } from "../graph.ts";
import type { QuantBits } from "../matmul_nbits.ts";

/** The weight of one linear layer as graph values, in the form chosen for it. */
export type LinearWeight =
  | { kind: "float"; weight: Value }
  | { kind: "int8"; weight: Value; scales: Value }
  | { kind: "nbits"; packed: Value; scales: Value; zeroPoints: Value; N: number; K: number; bits: QuantBits; blockSize: number; accuracyLevel: number };

/** x [..., in] -> [..., out] = x W^T + b */
export function linear(g: Graph, x: Value, w: LinearWeight, bias: Value | null = null): Value {
  switch (w.kind) {
    case "float": {
      const y = g.op("FusedMatMul", [x, w.weight], { transB: 1 }, { domain: MS_DOMAIN }); // [..., out]
      return bias ? g.op("Add", [y, bias]) : y;
    }
    case "int8":
      return g.op("DynamicQuantizeMatMul", [x, w.weight, w.scales, null, bias], {}, { domain: MS_DOMAIN, dtype: "float32" }); // [..., out]
    case "nbits":
      return g.op("MatMulNBits", [x, w.packed, w.scales, w.zeroPoints, null, bias], { K: w.K, N: w.N, bits: w.bits, block_size: w.blockSize, accuracy_level: w.accuracyLevel }, { domain: MS_DOMAIN, dtype: "float32" }); // [..., out]
  }
}
