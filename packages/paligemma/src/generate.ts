/**
 * generate.ts — the generation loop: encode the images once, prefill the prompt, decode token by token.
 *
 * Teaches the loop, for a batch of B (images, prompt) rows (prefill.ts does the first three lines):
 *   features = project(vision(pixel_values))                  once per image, never during decoding
 *   x        = merge(embed(ids), features / sqrt(H))          [B, L, H], rows left-padded to L
 *   logits   = decoder(x, positions, prefix-LM mask, cache)   prefill: L slots into the cache, "last" logits
 *   repeat:  tok_b = pick(logits_b)                            greedy (argmax) unless sampling options
 *            stop row b on any eos id; stop when every row stopped or maxNewTokens reached
 *            logits = decoder(embed(tok), position + 1, mask over all real slots, cache)   one slot each
 * Each row gets its own random stream (seed + row), and a stopped row is fed <pad> (its outputs are
 * ignored) so that the other rows keep one shared cache timeline.
 * Checked before any work (checkDecodeRequest): maxNewTokens, sampling options, seed, that the rows'
 * <image> tokens match the images given, and that the longest row fits the decoder's positions
 * (open.ts: prompt + maxNewTokens <= max_position_embeddings, as Hugging Face counts
 * max_length = prompt + max_new_tokens). Beam search and best-of-n live in beam_search.ts and
 * best_of_n.ts; they share the prefill.
 * Timings: the first token of each row is picked from the prefill logits, so decodeMsPerToken =
 * decodeMs / (generated tokens - rows), i.e. decodeMs / (n - 1) for one row (0 when nothing decoded).
 *
 * Reference: Hugging Face transformers `GenerationMixin._sample` (greedy and multinomial decoding).
 * Leaves out: repetition penalties, speculative decoding.
 */
import { type SamplingOptions, sampleToken, validateSamplingOptions } from "@paligemma-ts/core";
import { ArgumentError, assertSeed, seededRng } from "@paligemma-ts/tensor";
import type { PaliGemmaConfig } from "./config.ts";
import { decodeStep } from "./inputs.ts";
import { checkPositions } from "./open.ts";
import { type GenerationInputs, checkImages, encodeAndPrefill } from "./prefill.ts";

export interface DecodeLoopOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Seed of the sampling random stream (row b uses seed + b); default 0. */
  seed?: number;
  /** Ids that end a row; [] never stops early (used by the golden test). */
  stopTokenIds: readonly number[];
}

/** Everything one generation needs: the runners, the config, the inputs, the options, a timings record to fill. */
export interface DecodeLoopRequest extends DecodeLoopOptions, GenerationInputs {}

export interface GenerationTimings {
  visionMs: number;
  prefillMs: number;
  decodeMs: number;
  totalMs: number;
  /** Padded prompt length L (slots per row). */
  promptTokens: number;
  /** Tokens produced, summed over rows. */
  generatedTokens: number;
  /** decodeMs per token after each row's first (which comes from the prefill); 0 when none was decoded. */
  decodeMsPerToken: number;
}

export interface LoopEvent {
  row: number;
  tokenId: number;
  step: number;
  /** True on the row's final token (an eos, or the maxNewTokens-th token). */
  last: boolean;
}

/**
 * Throw an ArgumentError naming the argument when a request cannot run: maxNewTokens not a
 * non-negative integer, bad sampling options or seed, or a row whose prompt + maxNewTokens passes
 * text_config.max_position_embeddings. Cheap: call it before preprocessing images or running vision.
 */
export function checkDecodeRequest(config: PaliGemmaConfig, rows: readonly (readonly number[])[], options: DecodeLoopOptions): void {
  const { maxNewTokens, seed } = options;
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw new ArgumentError(`generate: maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
  validateSamplingOptions(options, "generate");
  if (seed !== undefined) {
    assertSeed(seed, "generate"); // row b samples with seed + b: every row's seed must be in range
    if (rows.length > 1) assertSeed(seed + rows.length - 1, `generate (row ${rows.length - 1} uses seed + ${rows.length - 1})`);
  }
  checkPositions(config, rows, maxNewTokens, "generate: prompt");
}

/** Run vision + prefill + decode; yields one event per generated token; fills `timings` as it goes. */
export async function* decodeLoop(request: DecodeLoopRequest): AsyncGenerator<LoopEvent> {
  const { vision, decoder, config, pixelValues, rows, timings, ...options } = request;
  const { maxNewTokens } = options;
  checkDecodeRequest(config, rows, options); // every argument and the positions, before vision
  checkImages(config, rows, pixelValues);
  const start = performance.now();
  const B = rows.length;
  if (maxNewTokens === 0) {
    timings.promptTokens = Math.max(...rows.map((r) => r.length));
    timings.totalMs = performance.now() - start;
    return;
  }
  const prefilled = await encodeAndPrefill({ vision, decoder, config, pixelValues, rows, maxNewTokens, timings });
  const { batch, cache } = prefilled;
  const L = batch.ids[0].length;
  let logits = prefilled.logits; // [B, 1, V]

  const t = performance.now();
  const rngs = rows.map((_, b) => seededRng((options.seed ?? 0) + b));
  const stop = new Set(options.stopTokenIds);
  const done = new Array<boolean>(B).fill(false);
  const V = logits.shape[2];
  const lv = () => logits.toFloat32();
  for (let step = 0; step < maxNewTokens; step++) {
    const all = lv(); // [B, 1, V]
    const next = new Array<number>(B).fill(config.pad_token_id);
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      next[b] = sampleToken(all.subarray(b * V, (b + 1) * V), options, rngs[b]);
      timings.generatedTokens++;
      if (stop.has(next[b])) done[b] = true;
      yield { row: b, tokenId: next[b], step, last: done[b] || step === maxNewTokens - 1 };
    }
    if (done.every(Boolean) || step === maxNewTokens - 1) break;
    const { positions, mask } = decodeStep(batch, L + step);
    logits = (await decoder.forward({ inputsEmbeds: decoder.embed(next.map((id) => [id])), positions, mask, cache, logits: "last" })).logits!;
  }
  timings.decodeMs = performance.now() - t;
  const decoded = timings.generatedTokens - B; // every row's first token came from the prefill
  timings.decodeMsPerToken = decoded > 0 ? timings.decodeMs / decoded : 0;
  timings.totalMs = performance.now() - start;
}

export function emptyTimings(): GenerationTimings {
  return { visionMs: 0, prefillMs: 0, decodeMs: 0, decodeMsPerToken: 0, totalMs: 0, promptTokens: 0, generatedTokens: 0 };
}
