/**
 * batch_rows.ts — what batching buys: B (image, prompt) rows through the library's batched decode loop.
 *
 * Teaches: decode is memory-bound (every weight is read once per step, bench/README.md), so one step
 * for B rows reads the same weights as one step for one row: tokens/s should grow almost B-fold until
 * the GEMMs turn compute-bound (2 * B * params FLOPs per step) or the per-row work (attention over
 * each row's cache, sampling over 257216 logits per row, the logits copied out of ORT) catches up.
 * Vision and prefill are already compute-bound at one image (256 patches, ~276 tokens), so B images
 * cost ~B times one.
 * Each batch size runs `decodeLoop` (src/generate.ts, what generate() runs: rows left-padded to one
 * length, one shared cache timeline, rows of random images and the same prompt). The loops are async
 * generators that only compute when pulled, so the decode steps of all batch sizes are taken in
 * rotation, one step each: on a shared machine every size then sees the same load. A step's time is
 * the pull of its B token events (the decoder forward + sampling); tokens/s = B / median step.
 *
 * Reference: src/generate.ts (decodeLoop); Pope et al., "Efficiently Scaling Transformer Inference".
 */
import { Tensor, seededRng } from "@paligemma-ts/tensor";
import { type PaliGemma, decodeLoop, emptyTimings } from "../src/index.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export interface BatchRow {
  rows: number;
  visionMs: number;
  prefillMs: number;
  /** Median ms per decode step (all rows). */
  stepMs: number;
  tokensPerSecond: number;
}

/** Vision, prefill and decode tokens/s for each batch size in `sizes`, `tokens` steps each. */
export async function batchRows(model: PaliGemma, prompt: string, sizes: readonly number[], tokens: number, log: (s: string) => void): Promise<BatchRow[]> {
  const S = model.config.vision_config.image_size;
  const ids = model.promptIds(prompt).ids;
  const runs = sizes.map((B) => {
    const rng = seededRng(100 + B);
    const pixelValues = new Tensor("float32", [B, 3, S, S], Float32Array.from({ length: B * 3 * S * S }, () => rng() * 2 - 1));
    const timings = emptyTimings();
    const loop = decodeLoop({ vision: model.vision, decoder: model.decoder, config: model.config, pixelValues, rows: new Array(B).fill(ids), timings, maxNewTokens: tokens, stopTokenIds: [] });
    return { B, loop, timings, steps: [] as number[] };
  });
  const step = async (r: (typeof runs)[number]) => {
    const t = performance.now();
    for (let i = 0; i < r.B; i++) await r.loop.next(); // one event per row: the first pull runs the step
    return performance.now() - t;
  };
  for (const r of runs) await step(r); // vision + prefill (+ the first tokens, from the prefill logits)
  for (let s = 1; s < tokens; s++) for (const r of runs) r.steps.push(await step(r)); // rotation
  for (const r of runs) await r.loop.return(undefined);
  const out = runs.map((r) => ({ rows: r.B, visionMs: r.timings.visionMs, prefillMs: r.timings.prefillMs, stepMs: median(r.steps), tokensPerSecond: (1000 * r.B) / median(r.steps) }));
  for (const row of out) {
    log(`batch ${row.rows}: vision ${row.visionMs.toFixed(0)} ms, prefill (${row.rows} x ${ids.length} tokens) ${row.prefillMs.toFixed(0)} ms, decode ${row.stepMs.toFixed(0)} ms/step = ${row.tokensPerSecond.toFixed(1)} tokens/s (${(row.tokensPerSecond / out[0].tokensPerSecond).toFixed(2)}x batch ${out[0].rows}; ${tokens - 1} steps in rotation)`);
  }
  return out;
}
