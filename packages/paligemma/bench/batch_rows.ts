/**
 * batch_rows.ts — what batching buys: B (image, prompt) rows through the library's batched generate.
 *
 * Teaches: decode is memory-bound (every weight is read once per step, bench/README.md), so one step
 * for B rows reads the same weights as one step for one row: tokens/s should grow almost B-fold until
 * the GEMMs turn compute-bound (2 * B * params FLOPs per step) or the per-row work (attention over
 * each row's cache, the KV copies, sampling) catches up. Vision and prefill are already compute-bound
 * at one image (256 patches, ~276 tokens), so B images cost ~B times one.
 * Each row gets its own random image and the same prompt; `generate` pads rows to one length
 * (src/inputs.ts leftPadBatch), so the rows share one cache timeline. A step's time is the gap between
 * row 0's consecutive tokens; tokens/s = B / median step.
 *
 * Reference: src/generate.ts (decodeLoop), Pope et al., "Efficiently Scaling Transformer Inference".
 */
import { Tensor, seededRng } from "@paligemma-ts/tensor";
import type { PaliGemma } from "../src/index.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export interface BatchRow {
  rows: number;
  visionMs: number;
  prefillMs: number;
  /** Median ms per decode step (all rows). */
  stepMs: number;
  tokensPerSecond: number;
}

/** Vision, prefill and decode tokens/s for each batch size in `sizes`. */
export async function batchRows(model: PaliGemma, prompt: string, sizes: readonly number[], tokens: number, log: (s: string) => void): Promise<BatchRow[]> {
  const S = model.config.vision_config.image_size;
  const out: BatchRow[] = [];
  for (const B of sizes) {
    const rng = seededRng(100 + B);
    const pixels = new Tensor("float32", [B, 3, S, S], Float32Array.from({ length: B * 3 * S * S }, () => rng() * 2 - 1));
    const stamps: number[] = [];
    const r = await model.generate({
      images: pixels, prompts: new Array<string>(B).fill(prompt), maxNewTokens: tokens, ignoreEos: true,
      onToken: (e) => { if (e.row === 0) stamps.push(performance.now()); },
    });
    const stepMs = median(stamps.slice(1).map((s, i) => s - stamps[i]));
    const row = { rows: B, visionMs: r.timings.visionMs, prefillMs: r.timings.prefillMs, stepMs, tokensPerSecond: (1000 * B) / stepMs };
    out.push(row);
    const base = out[0];
    log(`batch ${B}: vision ${row.visionMs.toFixed(0)} ms, prefill (${B} x ${r.timings.promptTokens} tokens) ${row.prefillMs.toFixed(0)} ms, decode ${stepMs.toFixed(0)} ms/step = ${row.tokensPerSecond.toFixed(1)} tokens/s (${(row.tokensPerSecond / base.tokensPerSecond).toFixed(2)}x batch ${base.rows})`);
  }
  return out;
}
