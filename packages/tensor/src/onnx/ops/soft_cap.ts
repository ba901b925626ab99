/**
 * soft_cap.ts — logit soft-capping as graph nodes: `softCap(g, x, cap)`.
 *
 * Teaches: softcap(x, c) = c * tanh(x / c), three elementwise nodes (Div, Tanh, Mul), the same
 * formula as the reference kernel (../../ops/soft_cap.ts). Gemma 2 applies it to the final logits
 * (c = 30); the attention-score cap (c = 50) is the Attention node's own `softcap` attribute.
 *
 * Reference: Gemma 2 report (https://arxiv.org/abs/2408.00118).
 */
import { ArgumentError } from "../../errors.ts";
import type { Graph, Value } from "../graph.ts";

/** x [...] -> c * tanh(x / c), same shape */
export function softCap(g: Graph, x: Value, cap: number): Value {
  if (!(cap > 0) || !Number.isFinite(cap)) throw new ArgumentError(`softCap: cap must be a finite number > 0, got ${cap}`);
  const c = g.constant(cap, "float32", "softcap");
  return g.op("Mul", [g.op("Tanh", [g.op("Div", [x, c])]), c]);
}
