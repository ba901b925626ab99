/**
 * rms_norm.ts — RMSNorm over the last axis (Gemma's norm) as graph nodes: `rmsNorm(g, x, w, eps)`.
 *
 * Teaches:
 *   y = x / sqrt(mean(x^2) + eps) * (1 + w)     Gemma: weights are stored around 0 ("unit offset")
 *   y = x / sqrt(mean(x^2) + eps) * w           Llama / T5 (unitOffset: false)
 * ONNX opset 23 has RMSNormalization (statistics in float32, stash_type=1); ORT 1.30 runs it on CPU.
 * The `1 + w` is an Add node: when w is an initializer ORT's constant folding computes it once at
 * session creation, so a fused Gemma layer pays nothing per run for the offset.
 *
 * References: Zhang & Sennrich, "RMSNorm" (https://arxiv.org/abs/1910.07467);
 * https://onnx.ai/onnx/operators/onnx__RMSNormalization.html ; HF `GemmaRMSNorm`.
 */
import { float, type Graph, type Value } from "../graph.ts";
import { onesLikeLastAxis } from "./ones_like_last_axis.ts";

/** x [..., D], weight [D] | null -> [..., D]; unitOffset (default true) scales by 1 + w. */
export function rmsNorm(g: Graph, x: Value, weight: Value | null, eps = 1e-6, options: { unitOffset?: boolean } = {}): Value {
  const unitOffset = options.unitOffset ?? true;
  let scale: Value;
  if (!weight) scale = onesLikeLastAxis(g, x); // no weight: scale 1 (= 1 + 0 with the offset)
  else if (unitOffset) scale = g.op("Add", [weight, g.constant(1, weight.dtype ?? "float32", "one")]); // [D] = 1 + w
  else scale = weight;
  return g.op("RMSNormalization", [x, scale], { axis: -1, epsilon: float(eps), stash_type: 1 });
}
