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
 * Reference: Hugging Face TemperatureLogitsWarper,
 * https://github.com/huggingface/transformers/blob/main/src/transformers/generation/logits_process.py
 * Leaves out: t = 0 here (a division by zero); sampleToken treats t = 0 as greedy.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { assertLogits, assertTemperature } from "./validate.ts";

/** A new array holding logits / temperature (temperature > 0). -Infinity stays -Infinity. */
export function applyTemperature(logits: Float32Array, temperature: number): Float32Array {
  assertLogits(logits, "applyTemperature");
  assertTemperature(temperature, "applyTemperature");
  if (temperature === 0) {
    throw new ArgumentError("applyTemperature: temperature 0 is greedy decoding (use greedy or sampleToken), not a scaling");
  }
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] / temperature;
  return out;
}
