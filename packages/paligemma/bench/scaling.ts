/**
 * scaling.ts — how the costs grow: prompt length, decode context, image size.
 *
 * Teaches: which knob moves which phase.
 *   prompt length  prefill is ~linear in T (weights are read once, FLOPs grow with T; attention's
 *                  T^2 term is small next to the MLP at these lengths)
 *   context        a decode step reads all weights (constant) plus the KV cache (grows with context;
 *                  MQA keeps it small: 18 layers x 2 x 256 floats per token = 36 KiB)
 *   image size     448 px = 1024 patches: vision ~4x+ (attention is N^2), prefill ~4x
 * Decode at a given context fills the cache with zeros (timing does not depend on the values) and
 * times single-token steps with an all-visible mask.
 *
 * Reference: bench.ts (the main numbers); costs.ts (FLOPs and bytes).
 */
import { Tensor } from "@paligemma-ts/tensor";
import { type PaliGemma, leftPadBatch, mergeImageFeatures, prefillMask } from "../src/index.ts";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

export interface ScalingRows {
  prefillByPromptTokens: { textTokens: number; totalTokens: number; prefillMs: number }[];
  decodeByContext: { context: number; msPerToken: number }[];
}

/** Prefill time for several prompt lengths, decode step time at several contexts. */
export async function scalingRows(model: PaliGemma, pixels: Tensor, log: (s: string) => void): Promise<ScalingRows> {
  const c = model.config;
  const features = await model.projectImages(await model.runVision(pixels)); // [1, N, H]
  const out: ScalingRows = { prefillByPromptTokens: [], decodeByContext: [] };
  for (const n of [10, 50, 200]) {
    const ids = [...new Array<number>(c.num_image_tokens).fill(c.image_token_index), c.bos_token_id, ...Array.from({ length: n }, (_, i) => 300 + ((i * 37) % 1400))];
    const batch = leftPadBatch([ids], c.pad_token_id);
    const embeds = mergeImageFeatures(model.decoder.embed(batch.ids), batch.ids, features, c.image_token_index);
    const cache = model.decoder.createCache(1, ids.length + 1);
    const t = performance.now();
    await model.decoder.forward({ inputsEmbeds: embeds, positions: batch.positions, mask: prefillMask(batch), cache, logits: "last" });
    const ms = performance.now() - t;
    out.prefillByPromptTokens.push({ textTokens: n, totalTokens: ids.length, prefillMs: ms });
    log(`scaling: prefill of ${ids.length} tokens (${n} text) ${ms.toFixed(0)} ms`);
  }
  const decoder = model.decoder;
  const contexts = [300, 1000];
  const steps = 7;
  const caches = contexts.map((context) => {
    const cache = decoder.createCache(1, context + steps);
    for (const l of cache.layers) l.length = context - 1; // zeros stand in for the past
    return cache;
  });
  const times: number[][] = contexts.map(() => []);
  for (let k = 0; k < steps; k++) {
    for (const [j, context] of contexts.entries()) { // interleaved, so both see the same machine load
      const Tk = context + k;
      const t = performance.now();
      await decoder.forward({ inputsEmbeds: decoder.embed([[100 + k]]), positions: [[Tk]], mask: Tensor.zeros([1, 1, 1, Tk]), cache: caches[j], logits: "last" });
      times[j].push(performance.now() - t);
    }
  }
  for (const [j, context] of contexts.entries()) {
    const ms = median(times[j].slice(1));
    out.decodeByContext.push({ context, msPerToken: ms });
    log(`scaling: decode at context ${context}: ${ms.toFixed(0)} ms/token (median of ${steps - 1}, interleaved with the other context)`);
  }
  return out;
}

/** Load the 448-pixel variant (same weights but the position embedding) and time vision + prefill. */
export async function imageSizeRow(load: (imageSize: number) => Promise<PaliGemma>, prompt: string, log: (s: string) => void) {
  const t = performance.now();
  const model = await load(448);
  const loadMs = performance.now() - t;
  const S = model.config.vision_config.image_size;
  const pixels = Tensor.zeros([1, 3, S, S]);
  const r = await model.generate({ images: pixels, prompts: [prompt], maxNewTokens: 1, ignoreEos: true });
  const row = { imageSize: S, imageTokens: model.config.num_image_tokens, promptTokens: r.timings.promptTokens, loadMs, visionMs: r.timings.visionMs, prefillMs: r.timings.prefillMs };
  log(`scaling: ${S}px image (${row.imageTokens} patches, ${row.promptTokens} prompt tokens): vision ${row.visionMs.toFixed(0)} ms, prefill ${row.prefillMs.toFixed(0)} ms, TTFT ${((row.visionMs + row.prefillMs) / 1000).toFixed(2)} s`);
  await model.dispose();
  return row;
}
