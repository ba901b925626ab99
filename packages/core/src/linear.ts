/**
 * linear.ts — a fully connected layer with its parameters bundled the way Hugging Face names them.
 *
 * Teaches: nn.Linear stores W as [out_features, in_features], so the layer computes
 *   y = x W^T + b          y[..., o] = sum_i x[..., i] * W[o, i] + b[o]
 * Every projection in PaliGemma is one of these: q/k/v/o in attention, gate/up/down in Gemma's MLP,
 * fc1/fc2 in SigLIP's MLP, the multimodal projector, and (with W = the embedding table) the tied LM head.
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.nn.Linear.html
 * Leaves out: the kernel itself (the `linear` op in @paligemma-ts/tensor), quantized weights.
 */
import { ShapeError, type Tensor, linear as linearKernel } from "@paligemma-ts/tensor";

/** Parameters of one nn.Linear: `weight` [out, in], optional `bias` [out]. */
export interface LinearParams {
  weight: Tensor;
  bias?: Tensor | null;
}

/** y = x W^T + b: x [..., in] -> [..., out], float32. */
export function linear(x: Tensor, params: LinearParams): Tensor {
  return linearKernel(x, params.weight, params.bias ?? null);
}

/** in_features and out_features of a Linear, checked to be a matrix. */
export function linearShape(params: LinearParams): { inFeatures: number; outFeatures: number } {
  if (params.weight.rank !== 2) throw new ShapeError(`linear weight must be [out, in], got [${params.weight.shape.join(", ")}]`);
  return { outFeatures: params.weight.shape[0], inFeatures: params.weight.shape[1] };
}
