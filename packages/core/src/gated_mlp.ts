/**
 * gated_mlp.ts — Gemma's feed-forward block, a GeGLU gated MLP.
 *
 * Teaches: two parallel up-projections, one passed through GELU acting as a gate on the other:
 *   y = down( gelu_tanh(gate(x)) * up(x) )
 *   gate, up: hidden -> intermediate;  down: intermediate -> hidden;  no biases
 * The elementwise product lets the network switch features on and off per token.
 *
 * References: Shazeer, "GLU Variants Improve Transformer" (https://arxiv.org/abs/2002.05202);
 * Hugging Face transformers `GemmaMLP` (hidden_activation "gelu_pytorch_tanh").
 */
import { type Tensor, geluTanh, mul } from "@paligemma-ts/tensor";
import { type LinearParams, linear } from "./linear.ts";

export interface GatedMlpWeights {
  gate: LinearParams;
  up: LinearParams;
  down: LinearParams;
}

/** x [..., hidden] -> [..., hidden]. */
export function gatedMlp(x: Tensor, w: GatedMlpWeights): Tensor {
  const gate = geluTanh(linear(x, w.gate)); // [..., intermediate]
  const up = linear(x, w.up); // [..., intermediate]
  return linear(mul(gate, up), w.down); // [..., hidden]
}
