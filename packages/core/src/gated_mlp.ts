/**
 * gated_mlp.ts — Gemma's feed-forward block, a GeGLU gated MLP, written once against `Ops`.
 *
 * Teaches: two parallel up-projections, one passed through GELU acting as a gate on the other:
 *   y = down( gelu_tanh(gate(x)) * up(x) )
 *   gate, up: hidden -> intermediate;  down: intermediate -> hidden;  no biases
 * The elementwise product lets the network switch features on and off per token.
 *
 * References: Shazeer, "GLU Variants Improve Transformer" (https://arxiv.org/abs/2002.05202);
 * Hugging Face transformers `GemmaMLP` (hidden_activation "gelu_pytorch_tanh").
 */
import type { LinearParams, Ops } from "@paligemma-ts/tensor";

export interface GatedMlpWeights {
  gate: LinearParams;
  up: LinearParams;
  down: LinearParams;
}

/** x [..., hidden] -> [..., hidden]. */
export function gatedMlp<T>(ops: Ops<T>, x: T, w: GatedMlpWeights): T {
  const gate = ops.geluTanh(ops.linear(x, w.gate)); // [..., intermediate]
  const up = ops.linear(x, w.up); // [..., intermediate]
  return ops.linear(ops.mul(gate, up), w.down); // [..., hidden]
}
