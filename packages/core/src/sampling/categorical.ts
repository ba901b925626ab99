/**
 * categorical.ts — softmax and drawing one index from the resulting categorical distribution.
 *
 * Teaches: a numerically safe softmax and inverse-transform sampling.
 *
 *   m   = max_i x_i                       (subtracting it changes nothing but keeps exp() <= 1)
 *   w_i = exp(x_i - m),  Z = sum_i w_i,  p_i = w_i / Z
 *   draw u ~ Uniform[0, 1) and return the first i with  w_0 + ... + w_i > u * Z
 *
 * Edge cases: -Infinity logits get weight 0 and are never drawn; if some logits are +Infinity
 * (a float32 overflow, e.g. after a tiny temperature) the distribution is the limit: uniform over
 * those. All -Infinity has no distribution and throws.
 *
 * Why not the tensor package's `softmax` op: it is float32 on Tensors and gives NaN for an
 * all -Infinity row; sampling wants float64 weights and the edge cases above spelled out.
 *
 * Reference: https://en.wikipedia.org/wiki/Softmax_function ; https://en.wikipedia.org/wiki/Inverse_transform_sampling
 * Leaves out: the alias method (faster for many draws from one distribution; we draw once per step).
 */
import { ArgumentError, type Rng } from "@paligemma-ts/tensor";

/** Unnormalized softmax weights w_i = exp(x_i - max x) in float64 (p = w / sum w). */
export function softmaxWeights(logits: Float32Array, where: string): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > m) m = logits[i];
  if (m === -Infinity) throw new ArgumentError(`${where}: every logit is -Infinity, there is nothing to sample`);
  const w = new Float64Array(logits.length);
  if (m === Infinity) {
    for (let i = 0; i < logits.length; i++) w[i] = logits[i] === Infinity ? 1 : 0;
    return w;
  }
  for (let i = 0; i < logits.length; i++) w[i] = Math.exp(logits[i] - m);
  return w;
}

/** softmax(logits) as float64 probabilities summing to 1. */
export function softmaxProbs(logits: Float32Array, where = "softmaxProbs"): Float64Array {
  const w = softmaxWeights(logits, where);
  let z = 0;
  for (let i = 0; i < w.length; i++) z += w[i];
  for (let i = 0; i < w.length; i++) w[i] /= z;
  return w;
}

/** Draw an index i with probability softmax(logits)_i, using one call of `rng` (uniform in [0, 1)). */
export function sampleFromLogits(logits: Float32Array, rng: Rng): number {
  const w = softmaxWeights(logits, "sampleFromLogits");
  let z = 0;
  for (let i = 0; i < w.length; i++) z += w[i];
  const target = rng() * z;
  // Same summation order as z, so the final cumulative sum equals z exactly and some i satisfies
  // cum > target whenever target < z. Zero-weight tokens can never be returned (cum does not grow).
  let cum = 0;
  let last = 0;
  for (let i = 0; i < w.length; i++) {
    if (w[i] === 0) continue;
    cum += w[i];
    last = i;
    if (cum > target) return i;
  }
  return last; // only reachable if rng() returned >= 1
}
