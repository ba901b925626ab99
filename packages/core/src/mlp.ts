/**
 * mlp.ts — the classic transformer feed-forward block (SigLIP's MLP).
 *
 * Teaches: expand, apply a nonlinearity, project back:
 *   y = fc2( gelu_tanh( fc1(x) ) )      fc1: hidden -> intermediate, fc2: intermediate -> hidden, with biases
 *
 * References: Vaswani et al., section 3.3 (https://arxiv.org/abs/1706.03762);
 * Hugging Face transformers `SiglipMLP` (hidden_act "gelu_pytorch_tanh").
 */
import { type Tensor, geluTanh } from "@paligemma-ts/tensor";
import { type LinearParams, linear } from "./linear.ts";

export interface MlpWeights {
  fc1: LinearParams;
  fc2: LinearParams;
}

/** x [..., hidden] -> [..., hidden]. */
export function mlp(x: Tensor, w: MlpWeights): Tensor {
  return linear(geluTanh(linear(x, w.fc1)), w.fc2); // [..., intermediate] -> [..., hidden]
}
