/**
 * mlp.ts — the classic transformer feed-forward block (SigLIP's MLP), written once against `Ops`.
 *
 * Teaches: expand, apply a nonlinearity, project back:
 *   y = fc2( gelu_tanh( fc1(x) ) )      fc1: hidden -> intermediate, fc2: intermediate -> hidden, with biases
 *
 * References: Vaswani et al., section 3.3 (https://arxiv.org/abs/1706.03762);
 * Hugging Face transformers `SiglipMLP` (hidden_act "gelu_pytorch_tanh").
 */
import type { LinearParams, Ops } from "@paligemma-ts/tensor";

export interface MlpWeights {
  fc1: LinearParams;
  fc2: LinearParams;
}

/** x [..., hidden] -> [..., hidden]. */
export function mlp<T>(ops: Ops<T>, x: T, w: MlpWeights): T {
  return ops.linear(ops.geluTanh(ops.linear(x, w.fc1)), w.fc2); // [..., intermediate] -> [..., hidden]
}
