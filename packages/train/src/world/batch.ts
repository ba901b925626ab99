/**
 * batch.ts — N examples -> what one training step feeds: pixel_values, token ids, and where the loss goes.
 *
 * Teaches: the exact tensors PaliGemma trains on, built by the same code inference uses:
 *
 *   pixel_values [N, 3, S, S] float32   = (byte / 255 - 0.5) / 0.5, CHW  (processor's normalizeToChw,
 *                                         i.e. preprocessImages without the resize: the scene is
 *                                         rendered at S x S, and a different size is an error)
 *   ids [N][L]                           = buildPrompt(prefix, suffix): <image> x (S/P)^2, <bos>,
 *                                         tokenize(prefix + "\n"), tokenize(suffix), <eos>;
 *                                         right-padded with <pad> to the longest row L
 *   prefixLengths[n]                     = (S/P)^2 + 1 + |tokenize(prefix + "\n")|   (token type 0:
 *                                         bidirectional in the prefix-LM mask, no loss)
 *   suffixLengths[n]                     = |tokenize(suffix)| + 1                      (type 1: causal;
 *                                         the loss predicts ids[n][t] for prefixLength <= t <
 *                                         prefixLength + suffixLength, from position t - 1)
 *
 * Measured here (2 shared cores): a batch of 64 from scratch — scenes, images, ids — takes about
 * 10-15 ms; rendering ~5 ms, normalizing ~4 ms. `cachedTokenizer` memoizes encode() per text
 * (prompts repeat; sentencepiece-js costs ~5-15 us a call plus wasm-string garbage), ~2 ms a batch.
 *
 * References: processor's image_processor.ts and prompt.ts; transformers PaliGemmaProcessor
 * (`suffix` -> token_type_ids, labels).
 *
 * Leaves out: left padding (for generation use processor's buildPaliGemmaInputs), packing rows.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { type PromptTokenizer, buildPrompt, normalizeToChw } from "@paligemma-ts/processor";
import { type WorldConfig, numImageTokens } from "./world_config.ts";

export interface TrainingBatch {
  /** Rows N. */
  size: number;
  /** Padded row length L. */
  length: number;
  imageSize: number;
  /** [N, 3, S, S] */
  pixelValues: Float32Array;
  /** [N][L], right-padded with padId. */
  inputIds: number[][];
  /** Image tokens + <bos> + prefix + "\n", per row. */
  prefixLengths: number[];
  /** Suffix tokens + <eos>, per row. */
  suffixLengths: number[];
}

export interface BatchExample {
  image: { width: number; height: number; data: Uint8Array };
  prefix: string;
  suffix: string;
}

/** A PromptTokenizer whose encode() remembers up to `capacity` texts (cleared when full). */
export function cachedTokenizer(tokenizer: PromptTokenizer, capacity = 65_536): PromptTokenizer {
  const cache = new Map<string, number[]>();
  return {
    bosId: tokenizer.bosId,
    eosId: tokenizer.eosId,
    padId: tokenizer.padId,
    imageTokenId: tokenizer.imageTokenId,
    encode(text: string): number[] {
      let ids = cache.get(text);
      if (ids === undefined) {
        if (cache.size >= capacity) cache.clear();
        ids = tokenizer.encode(text);
        cache.set(text, ids);
      }
      return ids.slice();
    },
  };
}

export function makeBatch(examples: readonly BatchExample[], tokenizer: PromptTokenizer, config: WorldConfig): TrainingBatch {
  const N = examples.length;
  if (N === 0) throw new ArgumentError("makeBatch: examples is empty");
  const S = config.imageSize;
  const per = 3 * S * S;
  const pixelValues = new Float32Array(N * per); // [N, 3, S, S]
  const rows: number[][] = [];
  const prefixLengths: number[] = [];
  const suffixLengths: number[] = [];
  const imageTokens = numImageTokens(config);
  examples.forEach((ex, n) => {
    const { width, height, data } = ex.image;
    if (width !== S || height !== S || data.length !== per) {
      throw new ArgumentError(`makeBatch: example ${n}'s image is ${width}x${height} (${data.length} bytes), expected ${S}x${S} RGB: scenes are rendered at the model size, never resized`);
    }
    normalizeToChw(ex.image, pixelValues, n * per); // [3, S, S] at row n
    const { inputIds, tokenTypeIds } = buildPrompt(tokenizer, { prefix: ex.prefix, suffix: ex.suffix, numImageTokens: imageTokens });
    const suffix = tokenTypeIds.reduce((s, t) => s + t, 0);
    rows.push(inputIds);
    prefixLengths.push(inputIds.length - suffix);
    suffixLengths.push(suffix);
  });
  const length = Math.max(...rows.map((r) => r.length));
  for (const r of rows) while (r.length < length) r.push(tokenizer.padId); // [N][L]
  return { size: N, length, imageSize: S, pixelValues, inputIds: rows, prefixLengths, suffixLengths };
}
