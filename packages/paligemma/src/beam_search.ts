/**
 * beam_search.ts — beam search: keep the K most likely partial answers per prompt, not just one.
 *
 * Teaches: greedy decoding commits to the best next token; beam search keeps K hypotheses and scores
 * continuations by their total log-probability, so a token that looks second-best now can win later.
 * Per prompt, with beams k = 0..K-1 and running scores s_k (sums of log-probabilities):
 *   step 0:      every beam is the prompt; s = [0, -1e9, ...] so the first candidates come from beam 0
 *   each step:   cand(k, v) = s_k + log_softmax(logits_k)[v]            over all K x V pairs
 *                take the top n = max(2, 1 + #eos) * K candidates, best first; walking them:
 *                  an eos among the first K ranks ends a hypothesis: finished with
 *                    score = (s_k + log p(eos)) / generated_length ^ lengthPenalty  (eos counted)
 *                  any other token extends beam k, until K beams are chosen
 *                the cache follows: row b*K + j continues row parents[j] (KVCache.reorderRows: a row
 *                table, integers only), each new beam appends its own token's keys/values
 *   done:        a prompt stops once K hypotheses are finished and (earlyStopping)
 *                  true:    at once
 *                  false:   the best candidate / cur_len ^ lp cannot beat the worst finished (HF's heuristic)
 *                  "never": nothing can beat it even at maxNewTokens (exact, for lengthPenalty > 0)
 *   end:         at maxNewTokens the running beams join the finished ones; the best score wins
 * lengthPenalty > 0 favors longer answers (scores are negative), < 0 shorter ones; 1 is the mean
 * log-probability per token. One beam is greedy decoding.
 * The prompt is prefilled once and shared by the K beams (prefill.ts, KVCache.expand).
 *
 * Reference: Hugging Face transformers `BeamSearchScorer` / `BeamHypotheses` (generation/beam_search.py)
 * and `GenerationMixin._beam_search`; big_vision's PaliGemma decoding (beam search with a length
 * penalty over the suffix). Leaves out: diverse / constrained beam search, num_return_sequences > 1.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { decodeStep } from "./inputs.ts";
import { checkPositions } from "./open.ts";
import { type GenerationInputs, checkImages, encodeAndPrefill } from "./prefill.ts";

export type EarlyStopping = boolean | "never";

export interface BeamSearchOptions {
  /** Beams per prompt K >= 1. */
  numBeams: number;
  /** Exponent of the length normalization (default 1). */
  lengthPenalty?: number;
  /** When a prompt stops (default false, see the header). */
  earlyStopping?: EarlyStopping;
  maxNewTokens: number;
  /** Ids that finish a hypothesis; [] lets every beam run to maxNewTokens. */
  stopTokenIds: readonly number[];
}

export interface BeamSearchRequest extends BeamSearchOptions, GenerationInputs {}

export interface SearchResult {
  /** Per prompt: the chosen new tokens (ending in an eos when one finished it). */
  ids: number[][];
  /** Per prompt: its score (beam search: sum log p / length ^ lengthPenalty; best-of-n: mean log p). */
  scores: number[];
}

/** log(sum(exp(x))) of one row of logits, max-subtracted. */
export function rowLogSumExp(x: Float32Array): number {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  if (m === -Infinity) return m;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.exp(x[i] - m);
  return m + Math.log(s);
}

/** Up to K finished hypotheses of one prompt, worst evicted (HF's BeamHypotheses). */
class Hypotheses {
  readonly items: { score: number; ids: number[] }[] = [];
  constructor(
    private readonly K: number,
    private readonly lp: number,
    private readonly early: EarlyStopping,
    private readonly maxLen: number,
  ) {}
  get worst(): number {
    return this.items.length ? Math.min(...this.items.map((h) => h.score)) : Infinity;
  }
  add(ids: number[], sumLogProbs: number): void {
    const score = sumLogProbs / ids.length ** this.lp;
    if (this.items.length < this.K || score > this.worst) {
      this.items.push({ score, ids });
      if (this.items.length > this.K) this.items.splice(this.items.findIndex((h) => h.score === this.worst), 1);
    }
  }
  isDone(bestRunning: number, curLen: number): boolean {
    if (this.items.length < this.K) return false;
    if (this.early === true) return true;
    const len = this.early === "never" && this.lp > 0 ? this.maxLen : curLen;
    return this.worst >= bestRunning / len ** this.lp;
  }
  best(): { score: number; ids: number[] } {
    return this.items.reduce((a, h) => (h.score > a.score ? h : a));
  }
}

/** Throw an ArgumentError naming the option unless numBeams, lengthPenalty, earlyStopping can run. */
export function checkBeamOptions(o: Pick<BeamSearchOptions, "numBeams" | "lengthPenalty" | "earlyStopping">): void {
  if (!Number.isInteger(o.numBeams) || o.numBeams < 1) throw new ArgumentError(`generate: numBeams must be a positive integer, got ${o.numBeams}`);
  if (o.lengthPenalty !== undefined && !Number.isFinite(o.lengthPenalty)) throw new ArgumentError(`generate: lengthPenalty must be a finite number, got ${o.lengthPenalty}`);
  if (o.earlyStopping !== undefined && o.earlyStopping !== true && o.earlyStopping !== false && o.earlyStopping !== "never") throw new ArgumentError(`generate: earlyStopping must be true, false or "never", got ${JSON.stringify(o.earlyStopping)}`);
}

/** The best `n` (score, index) pairs of scores(i), i < count, best first, ties to the lower index. */
function topN(count: number, n: number, score: (i: number) => number): { s: number; i: number }[] {
  const top: { s: number; i: number }[] = []; // sorted descending, at most n
  for (let i = 0; i < count; i++) {
    const s = score(i);
    if (top.length === n && !(s > top[n - 1].s)) continue;
    let j = top.length < n ? top.length : n - 1;
    while (j > 0 && top[j - 1].s < s) j--;
    top.splice(j, 0, { s, i });
    if (top.length > n) top.pop();
  }
  return top;
}

/** Vision, prefill, beam steps; returns the best hypothesis per prompt. Fills `timings`. */
export async function beamSearch(request: BeamSearchRequest): Promise<SearchResult> {
  const { vision, decoder, config, pixelValues, rows, timings, numBeams: K, maxNewTokens, stopTokenIds } = request;
  const lp = request.lengthPenalty ?? 1;
  const early = request.earlyStopping ?? false;
  checkBeamOptions(request);
  if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) throw new ArgumentError(`generate: beam search needs maxNewTokens >= 1, got ${maxNewTokens}`);
  checkPositions(config, rows, maxNewTokens, "generate: prompt");
  checkImages(config, rows, pixelValues);
  const start = performance.now();
  const { batch, cache, logits: first } = await encodeAndPrefill({ vision, decoder, config, pixelValues, rows, maxNewTokens, timings, rowsPerPrompt: K });
  const B = rows.length;
  const L = batch.ids[0].length;
  const V = first.shape[2];
  const stop = new Set(stopTokenIds);
  const nCand = Math.max(2, 1 + stop.size) * K;
  const hyps = rows.map(() => new Hypotheses(K, lp, early, maxNewTokens));
  const done = new Array<boolean>(B).fill(false);
  let scores: number[] = Array.from({ length: B * K }, (_, r) => (r % K === 0 ? 0 : -1e9)); // [B * K]
  let seqs: number[][] = Array.from({ length: B * K }, () => []);
  let logits = first.toFloat32(); // step 0: [B, V], one row per prompt (all its beams alike)
  let perPrompt = true;
  const t = performance.now();
  let forwards = 0;
  for (let step = 0; step < maxNewTokens; step++) {
    const nextScores = new Array<number>(B * K).fill(0);
    const nextTokens = new Array<number>(B * K).fill(config.pad_token_id);
    const parents = Array.from({ length: B * K }, (_, r) => r);
    const nextSeqs: number[][] = seqs.map((s) => s);
    for (let b = 0; b < B; b++) {
      if (done[b]) continue;
      const rowOf = (k: number) => (perPrompt ? b : b * K + k);
      const lse = Array.from({ length: K }, (_, k) => rowLogSumExp(logits.subarray(rowOf(k) * V, (rowOf(k) + 1) * V)));
      const cands = topN(K * V, nCand, (i) => {
        const k = Math.floor(i / V);
        return scores[b * K + k] + logits[rowOf(k) * V + (i % V)] - lse[k];
      });
      let j = 0;
      for (const [rank, { s, i }] of cands.entries()) {
        const k = Math.floor(i / V);
        const v = i % V;
        if (stop.has(v)) {
          if (rank < K) hyps[b].add([...seqs[b * K + k], v], s);
        } else {
          const r = b * K + j++;
          nextScores[r] = s;
          nextTokens[r] = v;
          parents[r] = b * K + k;
          nextSeqs[r] = [...seqs[b * K + k], v];
        }
        if (j === K) break;
      }
      done[b] = hyps[b].isDone(cands[0].s, step + 1);
    }
    scores = nextScores;
    seqs = nextSeqs;
    if (done.every(Boolean) || step === maxNewTokens - 1) break;
    cache.reorderRows(parents);
    const { positions, mask } = decodeStep(batch, L + step);
    logits = (await decoder.forward({ inputsEmbeds: decoder.embed(nextTokens.map((id) => [id])), positions, mask, cache, logits: "last" })).logits!.toFloat32(); // [B*K, 1, V]
    perPrompt = false;
    forwards++;
  }
  for (let b = 0; b < B; b++) if (!done[b]) for (let k = 0; k < K; k++) hyps[b].add(seqs[b * K + k], scores[b * K + k]);
  const best = hyps.map((h) => h.best());
  timings.decodeMs = performance.now() - t;
  timings.generatedTokens = best.reduce((a, h) => a + h.ids.length, 0);
  timings.decodeMsPerToken = forwards > 0 ? timings.decodeMs / forwards : 0; // one step of all K beams
  timings.totalMs = performance.now() - start;
  return { ids: best.map((h) => h.ids), scores: best.map((h) => h.score) };
}
