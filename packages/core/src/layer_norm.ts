/**
 * layer_norm.ts — LayerNorm as a module: weight, bias and eps together (SigLIP's norm).
 *
 * Teaches: each row is centered and scaled to unit variance, then an affine map is applied:
 *   mu = mean(x),  var = mean((x - mu)^2)        (biased variance)
 *   y  = (x - mu) / sqrt(var + eps) * weight + bias
 * SigLIP is "pre-LN": every block normalizes its input before attention and before the MLP,
 * and a final `post_layernorm` normalizes the tower's output. Its eps is 1e-6 (not PyTorch's 1e-5).
 *
 * References: Ba et al., "Layer Normalization" (https://arxiv.org/abs/1607.06450);
 * Xiong et al., "On Layer Normalization in the Transformer Architecture" (https://arxiv.org/abs/2002.04745).
 * Leaves out: the loop itself (the `layerNorm` op in @paligemma-ts/tensor).
 */
import { type Tensor, layerNorm as layerNormKernel } from "@paligemma-ts/tensor";

/** Parameters of one nn.LayerNorm over the last axis. */
export interface LayerNormParams {
  weight: Tensor | null;
  bias: Tensor | null;
}

/** LayerNorm of x [..., D] over D, float32. */
export function layerNorm(x: Tensor, params: LayerNormParams, eps: number): Tensor {
  return layerNormKernel(x, params.weight, params.bias, eps);
}
