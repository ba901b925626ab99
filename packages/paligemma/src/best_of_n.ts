/**
 * best_of_n.ts — best-of-n sampling: draw n answers per prompt, keep the one the model finds most likely.
 *
 * Teaches: sampling explores, but one sample may be unlucky. Draw n independent samples (each with
 * the usual temperature / top-k / top-p warpers and its own seeded stream), and score each by its
 * mean log-probability under the model itself, untempered and unfiltered:
 *   score(y) = (1 / |y|) * sum_t log softmax(logits_t)[y_t]        (the eos, when sampled, counts)
 * The mean, not the sum, so that short answers are not favored just for being short. The n rows per
 * prompt share ONE prefill of the prompt (prefill.ts, KVCache.expand) and decode as a batch; each row
 * stops at its own eos. Sample i of prompt b uses seed + b * n + i, so n = 1 is plain sampling.
 *
 * Reference: Stiennon et al., "Learning to summarize from human feedback" (best-of-n), 2020;
 * OpenAI completions' `best_of` (highest mean log-probability per token).
 * Leaves out: reranking with another model (a reward model, or score() on a different prompt).
 */
import { type SamplingOptions, sampleToken, validateSamplingOptions } from "@paligemma-ts/core";
import { ArgumentError, seededRng } from "@paligemma-ts/tensor";
import { type SearchResult, rowLogSumExp } from "./beam_search.ts";
import { decodeStep } from "./inputs.ts";
import { checkPositions } from "./open.ts";
import { type GenerationInputs, checkImages, encodeAndPrefill } from "./prefill.ts";

export interface BestOfNRequest extends SamplingOptions, GenerationInputs {
  /** Samples per prompt n >= 1. */
  bestOf: number;
  maxNewTokens: number;
  seed?: number;
  stopTokenIds: readonly number[];
}

/** Draw `bestOf` samples per prompt and return the one with the highest mean log-probability. */
export async function bestOfN(request: BestOfNRequest): Promise<SearchResult> {
  const { vision, decoder, config, pixelValues, rows, timings, bestOf: n, maxNewTokens } = request;
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`generate: bestOf must be a positive integer, got ${n}`);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new ArgumentError(`generate: best-of-n needs maxNewTokens >= 1, got ${maxNewTokens}`);
  validateSamplingOptions(request, "generate");
  checkPositions(config, rows, maxNewTokens, "generate: prompt");
  checkImages(config, rows, pixelValues);
  const start = performance.now();
  const { batch, cache, logits: first } = await encodeAndPrefill({ vision, decoder, config, pixelValues, rows, maxNewTokens, timings, rowsPerPrompt: n });
  const R = rows.length * n;
  const L = batch.ids[0].length;
  const V = first.shape[2];
  const stop = new Set(request.stopTokenIds);
  const rngs = Array.from({ length: R }, (_, r) => seededRng((request.seed ?? 0) + r)); // r = b * n + i
  const seqs: number[][] = Array.from({ length: R }, () => []);
  const sumLogProb = new Array<number>(R).fill(0);
  const done = new Array<boolean>(R).fill(false);
  let logits = first.toFloat32();
  let rowOf = (r: number) => Math.floor(r / n); // step 0: the prompt's own logits
  const t = performance.now();
  let forwards = 0;
  for (let step = 0; step < maxNewTokens; step++) {
    const next = new Array<number>(R).fill(config.pad_token_id);
    for (let r = 0; r < R; r++) {
      if (done[r]) continue;
      const x = logits.subarray(rowOf(r) * V, (rowOf(r) + 1) * V);
      next[r] = sampleToken(x, request, rngs[r]);
      sumLogProb[r] += x[next[r]] - rowLogSumExp(x);
      seqs[r].push(next[r]);
      if (stop.has(next[r])) done[r] = true;
    }
    if (done.every(Boolean) || step === maxNewTokens - 1) break;
    const { positions, mask } = decodeStep(batch, L + step);
    logits = (await decoder.forward({ inputsEmbeds: decoder.embed(next.map((id) => [id])), positions, mask, cache, logits: "last" })).logits!.toFloat32(); // [R, 1, V]
    rowOf = (r) => r;
    forwards++;
  }
  const out: SearchResult = { ids: [], scores: [] };
  for (let b = 0; b < rows.length; b++) {
    let best = b * n;
    for (let r = b * n + 1; r < (b + 1) * n; r++) if (sumLogProb[r] / seqs[r].length > sumLogProb[best] / seqs[best].length) best = r;
    out.ids.push(seqs[best]);
    out.scores.push(sumLogProb[best] / seqs[best].length);
  }
  timings.decodeMs = performance.now() - t;
  timings.generatedTokens = seqs.reduce((a, s) => a + s.length, 0);
  timings.decodeMsPerToken = forwards > 0 ? timings.decodeMs / forwards : 0;
  timings.totalMs = performance.now() - start;
  return out;
}
