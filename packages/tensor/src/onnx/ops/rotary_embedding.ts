/**
 * rotary_embedding.ts — RoPE as one graph node: `rotaryEmbedding(g, x, cos, sin, numHeads)`.
 *
 * Teaches: the same rotate-half rotation as the reference kernel (../../ops/rotary_embedding.ts),
 *   y[..., i] = x1 cos_i - x2 sin_i,   y[..., i + D/2] = x2 cos_i + x1 sin_i     per head, i < D/2
 * on the 3-D layout straight out of a projection, x [B, T, H*D], with half tables cos/sin [B, T, D/2]
 * that the caller computes once per forward (they depend only on the positions) and every layer shares.
 * ONNX opset 23 has it as `RotaryEmbedding` (interleaved = 0 is the rotate-half pairing; with the
 * tables given per token there is no position_ids input). ORT 1.30 runs it on CPU.
 *
 * Reference: https://onnx.ai/onnx/operators/onnx__RotaryEmbedding.html
 * Leaves out: the op's position_ids form (tables indexed by position), partial rotary_embedding_dim.
 */
import { ArgumentError } from "../../errors.ts";
import type { Graph, Value } from "../graph.ts";

/** x [B, T, H*D], cos/sin [B, T, D/2] -> [B, T, H*D] */
export function rotaryEmbedding(g: Graph, x: Value, cos: Value, sin: Value, numHeads: number): Value {
  if (!Number.isInteger(numHeads) || numHeads < 1) throw new ArgumentError(`rotaryEmbedding: numHeads must be a positive integer, got ${numHeads}`);
  return g.op("RotaryEmbedding", [x, cos, sin], { num_heads: numHeads, interleaved: 0 }); // [B, T, H*D]
}
