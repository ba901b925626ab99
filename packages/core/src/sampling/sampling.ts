/**
 * sampling.ts — choose the next token from logits: greedy, or temperature / top-k / top-p sampling.
 *
 * Teaches: the order Hugging Face `generate` applies the warpers in, and why a seeded rng is
 * injected (so a run reproduces token for token).
 *
 *   if greedy (temperature 0, or no options):   next = argmax(x)
 *   else:
 *     x1 = x / temperature          (temperature defaults to 1)
 *     x2 = topKFilter(x1, topK)     (if topK > 0)
 *     x3 = topPFilter(x2, topP)     (if topP < 1; nucleus of softmax(x2))
 *     next ~ Categorical(softmax(x3)),  drawn with rng
 *
 * Reference: Hugging Face GenerationMixin._get_logits_processor (TemperatureLogitsWarper, then
 * TopKLogitsWarper, then TopPLogitsWarper) and its multinomial sampling step,
 * https://github.com/huggingface/transformers/blob/main/src/transformers/generation/utils.py
 * Leaves out: repetition penalties, min-p, beam search, batching (one row of logits at a time).
 */
import type { Rng } from "@paligemma-ts/tensor";
import { sampleFromLogits } from "./categorical.ts";
import { greedy } from "./greedy.ts";
import { applyTemperature } from "./temperature.ts";
import { topKFilter } from "./top_k.ts";
import { topPFilter } from "./top_p.ts";
import { assertLogits, assertTemperature, assertTopK, assertTopP } from "./validate.ts";

export interface SamplingOptions {
  /** >= 0; 0 = greedy; default 1 when topK or topP is given. */
  temperature?: number;
  /** Integer >= 0; 0 or undefined = no top-k filter. */
  topK?: number;
  /** In (0, 1]; 1 or undefined = no nucleus filter. */
  topP?: number;
}

/** Throw an ArgumentError naming the first invalid option. */
export function validateSamplingOptions(options: SamplingOptions, where = "sampleToken"): void {
  if (options.temperature !== undefined) assertTemperature(options.temperature, where);
  if (options.topK !== undefined) assertTopK(options.topK, where);
  if (options.topP !== undefined) assertTopP(options.topP, where);
}

/** True when `options` select greedy decoding: temperature 0, or no option set at all. */
export function isGreedy(options: SamplingOptions = {}): boolean {
  validateSamplingOptions(options, "isGreedy");
  if (options.temperature === 0) return true;
  return options.temperature === undefined && options.topK === undefined && options.topP === undefined;
}

/** The next token id for one row of logits [V]. Greedy ignores `rng`; sampling calls it exactly once. */
export function sampleToken(logits: Float32Array, options: SamplingOptions, rng: Rng): number {
  assertLogits(logits, "sampleToken");
  validateSamplingOptions(options, "sampleToken");
  if (isGreedy(options)) return greedy(logits);
  let x = options.temperature === undefined || options.temperature === 1 ? logits : applyTemperature(logits, options.temperature);
  if (options.topK !== undefined && options.topK > 0) x = topKFilter(x, options.topK);
  if (options.topP !== undefined && options.topP < 1) x = topPFilter(x, options.topP);
  return sampleFromLogits(x, rng);
}
