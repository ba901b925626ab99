/**
 * temperature.ts — temperature scaling of logits.
 *
 * Teaches: dividing the logits by t reshapes the distribution without reordering it.
 *
 *   p_i = softmax(x / t)_i = exp(x_i / t) / sum_j exp(x_j / t)
 *
 *   t -> 0   : all mass on the argmax (greedy)
 *   t = 1    : the model's own distribution
 *   t -> inf : uniform over the tokens that are not -Infinity
 *
 * Numerics: x / t is a float32. With a tiny t (below ~1e-38 for logits near 1) x / t overflows to
 * +-Infinity, and every positive logit would become +Infinity: the sampler would draw uniformly among
 * them instead of taking the argmax. softmax does not change when every logit moves by the same
 * amount, so in that case the logits are first shifted by their maximum m:
 *
 *   x'_i = (x_i - m) / t        (computed in float64, then rounded to float32)
 *
 * The maximum becomes 0 and cannot overflow; a logit below it may go to -Infinity, which is exactly
 * its limit probability 0. So a temperature that small behaves as greedy: the argmax gets all the
 * mass (exact ties with the maximum stay a fair draw among the tied tokens, which is the t -> 0
 * limit). When nothing overflows the output is plain x / t, as the lessons print it.
 * +Infinity logits stay +Infinity (categorical.ts draws uniformly among them), -Infinity stays -Infinity.
 *
 * Reference: Hugging Face TemperatureLogitsWarper,
 * https://github.com/huggingface/transformers/blob/main/src/transformers/generation/logits_process.py
 * Leaves out: t = 0 here (a division by zero); sampleToken treats t = 0 as greedy.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { assertLogits, assertTemperature } from "./validate.ts";

/**
 * A new array holding logits / temperature (temperature > 0), or (logits - max) / temperature when
 * the plain quotient would overflow float32 (see the header). -Infinity stays -Infinity.
 */
export function applyTemperature(logits: Float32Array, temperature: number): Float32Array {
  assertLogits(logits, "applyTemperature");
  assertTemperature(temperature, "applyTemperature");
  if (temperature === 0) {
    throw new ArgumentError("applyTemperature: temperature 0 is greedy decoding (use greedy or sampleToken), not a scaling");
  }
  const out = new Float32Array(logits.length);
  let overflow = false;
  for (let i = 0; i < logits.length; i++) {
    out[i] = logits[i] / temperature;
    if (!Number.isFinite(out[i]) && Number.isFinite(logits[i])) overflow = true;
  }
  if (!overflow) return out;
  let m = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > m) m = logits[i];
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i];
    // m is finite here unless some logit is +Infinity: those keep +Infinity and the rest get weight 0.
    out[i] = m === Infinity ? (x === Infinity ? Infinity : -Infinity) : (x - m) / temperature;
  }
  return out;
}
