/**
 * linear.ts — a fully connected layer as graph nodes: `linear(g, x, weight, bias?)`.
 *
 * Teaches: PyTorch's nn.Linear stores its weight as [out, in] and computes
 *   y = x @ W^T + b          x [..., in], W [out, in], b [out] -> y [..., out]
 * so the graph is literally Transpose -> MatMul -> Add, and the weight stays in its checkpoint layout.
 *
 * Why a Transpose node is free (measured, onnxruntime-node 1.30 CPU, 2 cores, W [4096, 2048]):
 *   - weight is an initializer: constant folding transposes it once at session creation
 *     (+~0.1-0.2 s per 64 MiB of weight, once); per run it is the same as a pre-transposed
 *     initializer (M=1: ~1.5-1.8 ms, M=64: ~9.5-10 ms for W [8192, 2048]) and is still prepacked.
 *   - weight is a graph input: the optimizer fuses Transpose + MatMul into com.microsoft FusedMatMul
 *     (transB=1): M=1 0.8 ms vs 7.8 ms with optimizations disabled, which really copies W each run.
 *   Gemm(transB=1) is no faster and needs 2-D x (a Reshape pair), so we keep the readable form.
 * Caveat: folding materializes a transposed copy, so an external (mmapped) weight is read into
 * memory at session creation; store such weights as [in, out] and call `matMul` if that matters.
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
 */
import type { Graph, Value } from "../graph.ts";

/** x [..., in], weight [out, in], bias [out] | null -> [..., out] */
export function linear(g: Graph, x: Value, weight: Value, bias?: Value | null): Value {
  const wT = g.op("Transpose", [weight], { perm: [1, 0] }); // [in, out]
  const y = g.op("MatMul", [x, wT]); // [..., out]
  return bias ? g.op("Add", [y, bias]) : y;
}
