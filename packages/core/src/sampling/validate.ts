/**
 * validate.ts — argument checks shared by the sampling steps.
 *
 * Teaches: which values of the sampling knobs mean something, and what each one means at its edge.
 *   temperature t : t >= 0, finite. t = 0 means greedy (the limit t -> 0 of softmax(x / t)).
 *   top-k k       : an integer k >= 0. k = 0 means "no top-k filter" (Hugging Face's convention).
 *   top-p p       : 0 < p <= 1. p = 1 keeps every token.
 *   logits        : a non-empty vector with no NaN (+-Infinity are allowed: -Infinity means "never").
 *
 * Reference: https://huggingface.co/docs/transformers/main_classes/text_generation#transformers.GenerationConfig
 * Leaves out: min_tokens_to_keep (always 1 here).
 */
import { ArgumentError } from "@paligemma-ts/tensor";

/** Throw unless `logits` is non-empty and NaN-free. `where` names the calling function. */
export function assertLogits(logits: Float32Array, where: string): void {
  if (!(logits instanceof Float32Array)) throw new ArgumentError(`${where}: logits must be a Float32Array`);
  if (logits.length === 0) throw new ArgumentError(`${where}: logits is empty (expected one value per vocabulary entry)`);
  for (let i = 0; i < logits.length; i++) {
    if (Number.isNaN(logits[i])) throw new ArgumentError(`${where}: logits[${i}] is NaN`);
  }
}

/** temperature: finite and >= 0 (0 = greedy). */
export function assertTemperature(temperature: number, where: string): void {
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature < 0) {
    throw new ArgumentError(`${where}: temperature must be a finite number >= 0 (0 = greedy), got ${temperature}`);
  }
}

/** topK: an integer >= 0 (0 = no filter). */
export function assertTopK(topK: number, where: string): void {
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 0) {
    throw new ArgumentError(`${where}: topK must be an integer >= 0 (0 = no top-k filter), got ${topK}`);
  }
}

/** topP: in (0, 1]. */
export function assertTopP(topP: number, where: string): void {
  if (typeof topP !== "number" || !(topP > 0 && topP <= 1)) {
    throw new ArgumentError(`${where}: topP must be in (0, 1] (1 = no nucleus filter), got ${topP}`);
  }
}
