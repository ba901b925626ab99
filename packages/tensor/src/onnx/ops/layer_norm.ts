/**
 * layer_norm.ts — LayerNorm over the last axis as one graph node: `layerNorm(g, x, w, b, eps)`.
 *
 * Teaches:
 *   mu  = mean(x)            over the last axis
 *   var = mean((x - mu)^2)   (biased, like PyTorch)
 *   y   = (x - mu) / sqrt(var + eps) * w + b
 * SigLIP uses it before attention, before the MLP and after the last block (eps 1e-6).
 * ONNX LayerNormalization (opset 17) computes the statistics in float32 (stash_type=1).
 *
 * References: Ba et al., "Layer Normalization" (https://arxiv.org/abs/1607.06450);
 * https://onnx.ai/onnx/operators/onnx__LayerNormalization.html
 */
import { float, type Graph, type Value } from "../graph.ts";
import { onesLikeLastAxis } from "./ones_like_last_axis.ts";

/** x [..., D], weight [D] | null (ones), bias [D] | null (zeros) -> [..., D] */
export function layerNorm(g: Graph, x: Value, weight: Value | null, bias: Value | null, eps = 1e-5): Value {
  const scale = weight ?? onesLikeLastAxis(g, x); // [D]
  return g.op("LayerNormalization", [x, scale, bias], { axis: -1, epsilon: float(eps), stash_type: 1 });
}
