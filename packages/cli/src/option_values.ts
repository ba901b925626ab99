/**
 * option_values.ts — turn option strings into checked numbers, and pick greedy vs sampling.
 *
 * Teaches: every value a user types is validated where it enters the program, so a typo
 * (`--top-p 9`, `--max-new-tokens ten`) fails at once with a message naming the option, instead of
 * surfacing as a NaN deep inside the sampler. The parsers throw commander's InvalidArgumentError,
 * which commander words as "option '--top-p <p>' argument '9' is invalid. <reason>".
 *
 * Decoding rule (the same as Hugging Face's `do_sample=False` default):
 *   no --temperature, --top-k or --top-p given  ->  greedy (argmax), temperature 0
 *   --top-k / --top-p without --temperature     ->  sample at temperature 1
 *   --temperature 0                             ->  greedy, whatever else is given
 *
 *   --num-beams N                               ->  beam search (deterministic; no sampling options)
 *   --best-of N                                 ->  N samples, the one with the best mean log-probability
 *
 * Leaves out: repetition penalties.
 */
import { MAX_SEED } from "@paligemma-ts/tensor";
import { InvalidArgumentError } from "commander";

/** An integer >= 1 (token counts). */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError("Expected a positive integer.");
  return n;
}

/** An integer >= 0 (a queue limit: 0 = nothing may wait). */
export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("Expected an integer >= 0.");
  return n;
}

/** A TCP port, 0 (pick a free one) to 65535. */
export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 65535) throw new InvalidArgumentError("Expected a port number from 0 to 65535.");
  return n;
}

/**
 * A sampling seed: an integer in [0, 2^32 - 1], the range seededRng accepts (one random stream per
 * seed; a larger or negative seed would otherwise alias a smaller one).
 */
export function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n > MAX_SEED) throw new InvalidArgumentError(`Expected an integer from 0 to ${MAX_SEED}.`);
  return n;
}

/** Any finite number (length penalty). */
export function parseFiniteNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("Expected a finite number.");
  return n;
}

/** Repeatable options (--image a.png --image b.png) collect into a list, in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A finite number >= 0 (temperature; 0 means greedy). */
export function parseTemperature(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError("Expected a number >= 0 (0 means greedy).");
  return n;
}

/** A probability mass in (0, 1] (top-p; 1 keeps every token). */
export function parseTopP(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0 || n > 1) throw new InvalidArgumentError("Expected a number in (0, 1].");
  return n;
}

export interface SamplingChoice {
  /** 0 means greedy. */
  temperature: number;
  topK?: number;
  topP?: number;
}

/** Apply the decoding rule above to the options the user gave. */
export function samplingFromOptions(o: { temperature?: number; topK?: number; topP?: number }): SamplingChoice {
  const anySampling = o.temperature !== undefined || o.topK !== undefined || o.topP !== undefined;
  if (!anySampling) return { temperature: 0 };
  const temperature = o.temperature ?? 1;
  if (temperature === 0) return { temperature: 0 };
  return { temperature, topK: o.topK, topP: o.topP };
}
