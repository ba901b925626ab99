/**
 * prefill.ts — the first half of every decoding strategy: encode the images once, merge them into
 * the prompts, run the prompt through the decoder filling the KV cache, return the last logits.
 *
 * Teaches: greedy, sampling, beam search and best-of-n all start the same way:
 *   features = project(vision(pixel_values))          [I, N, H]  every image of every row, once
 *   x        = merge(embed(ids), features / sqrt(H))  [B, L, H]  rows left-padded to L (inputs.ts)
 *   logits   = decoder(x, positions, prefix-LM mask)  [B, 1, V]  the prompt's L slots into the cache
 * Beam search and best-of-n then continue K rows per prompt. The prompt is prefilled ONCE per row
 * (not K times, as Hugging Face does by repeating input_ids), and `KVCache.expand` lets the K rows
 * share that one stored copy; the batch layout (masks, positions) is repeated K times (repeatBatch).
 * Checked before the vision tower: each row's <image> tokens are a whole number of images and the
 * rows hold exactly the images given.
 *
 * Reference: Hugging Face transformers `GenerationMixin._expand_inputs_for_generation` (the K-fold copy
 * this avoids), `PaliGemmaForConditionalGeneration.forward`.
 */
import { KVCache } from "@paligemma-ts/core";
import { ArgumentError, type Tensor } from "@paligemma-ts/tensor";
import type { PaliGemmaConfig } from "./config.ts";
import type { GenerationTimings } from "./generate.ts";
import { type PromptBatch, leftPadBatch, prefillMask, repeatBatch } from "./inputs.ts";
import { imagesPerRow, mergeImageFeatures } from "./merge.ts";
import type { DecoderRunner, VisionRunner } from "./runners.ts";

/** What every decoding strategy runs on: the runners, the config, the inputs, a timings record to fill. */
export interface GenerationInputs {
  vision: VisionRunner;
  decoder: DecoderRunner;
  config: PaliGemmaConfig;
  /** [I, 3, S, S]: every row's images, row by row, in prompt order (one per row unless a prompt holds several). */
  pixelValues: Tensor;
  /** Unpadded prompt ids per row (N <image> tokens per image, <bos>, text). */
  rows: readonly (readonly number[])[];
  timings: GenerationTimings;
}

export interface PrefillRequest extends GenerationInputs {
  /** Slots to keep free after the prompt. */
  maxNewTokens: number;
  /** Rows of the cache per prompt (beams, samples); default 1. */
  rowsPerPrompt?: number;
}

export interface Prefilled {
  /** The layout of the B * K decoding rows (prompt b's rows are b*K .. b*K + K-1). */
  batch: PromptBatch;
  /** Prompt slots filled, room for maxNewTokens more; B * K rows. */
  cache: KVCache;
  /** Last-position logits per PROMPT [B, 1, V]. */
  logits: Tensor;
}

/** Throw before any work unless the rows' <image> tokens account for exactly the images given. */
export function checkImages(config: PaliGemmaConfig, rows: readonly (readonly number[])[], pixelValues: Tensor): number[] {
  const counts = imagesPerRow(rows, config.image_token_index, config.num_image_tokens);
  const total = counts.reduce((a, c) => a + c, 0);
  if (pixelValues.rank !== 4 || pixelValues.shape[0] !== total) {
    throw new ArgumentError(`generate: ${pixelValues.shape[0]} images for ${rows.length} prompts whose <image> tokens ask for ${total} (${counts.join(" + ")}; ${config.num_image_tokens} tokens per image)`);
  }
  return counts;
}

/** Vision once, merge, prefill (see the header). Fills timings.visionMs / prefillMs / promptTokens. */
export async function encodeAndPrefill(r: PrefillRequest): Promise<Prefilled> {
  const { vision, decoder, config, pixelValues, rows, maxNewTokens, timings } = r;
  const K = r.rowsPerPrompt ?? 1;
  checkImages(config, rows, pixelValues);
  const prompts = leftPadBatch(rows, config.pad_token_id);
  const L = prompts.ids[0].length;
  timings.promptTokens = L;

  let t = performance.now();
  const features = await vision.project(await vision.encode(pixelValues)); // [I, N, H]
  timings.visionMs = performance.now() - t;

  t = performance.now();
  const embeds = mergeImageFeatures(decoder.embed(prompts.ids), prompts.ids, features, config.image_token_index); // [B, L, H]
  const cache = decoder.createCache(rows.length, K === 1 ? L + maxNewTokens : L);
  const logits = (await decoder.forward({ inputsEmbeds: embeds, positions: prompts.positions, mask: prefillMask(prompts), cache, logits: "last" })).logits!; // [B, 1, V]
  timings.prefillMs = performance.now() - t;
  if (K === 1) return { batch: prompts, cache, logits };
  return { batch: repeatBatch(prompts, K), cache: KVCache.expand(cache, K, L + maxNewTokens), logits };
}
