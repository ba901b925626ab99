/**
 * causal_lm.ts — Gemma as a plain causal language model: token ids in, next-token logits out.
 *
 * Teaches: the smallest useful wrapper around the decoder, as in a lesson:
 *   positions = cache.length + [0, 1, ..., T-1]     (0-based, as Hugging Face Gemma)
 *   mask      = causal over every key so far
 *   logits    = model.forward(embed(ids), positions, mask, cache)
 * Greedy generation is then: prefill the prompt with "last" logits, take argmax, feed it back with
 * the cache, repeat. (PaliGemma instead uses a prefix-LM mask and 1-based positions: see
 * @paligemma-ts/paligemma.)
 *
 * Reference: Hugging Face transformers `GemmaForCausalLM.forward`.
 * Leaves out: padding (all rows must have the same length), sampling (see @paligemma-ts/core sampling).
 */
import { type KVCache, type TokenIds, attentionMask, tokenRows } from "@paligemma-ts/core";
import type { Tensor } from "@paligemma-ts/tensor";
import type { GemmaModel, LogitsWanted } from "./model.ts";

export class GemmaForCausalLM {
  constructor(readonly model: GemmaModel) {}

  /** A preallocated cache for `batch` rows and up to `maxLength` tokens. */
  createCache(batch: number, maxLength: number): KVCache {
    return this.model.createCache(batch, maxLength);
  }

  /** ids [B][T] (or [T]) -> logits [B, T, V] ("all", default) or [B, 1, V] ("last"). */
  async forward(ids: TokenIds, options: { cache?: KVCache; logits?: Exclude<LogitsWanted, "none"> } = {}): Promise<Tensor> {
    const rows = tokenRows(ids);
    const T = rows[0]?.length ?? 0;
    const offset = options.cache?.length ?? 0;
    const positions = rows.map(() => Array.from({ length: T }, (_, t) => offset + t));
    const mask = attentionMask({ queryLength: T, keyLength: offset + T, batch: 1 });
    const out = await this.model.forward({ inputsEmbeds: this.model.embed(rows), positions, mask, cache: options.cache, logits: options.logits ?? "all" });
    return out.logits!;
  }
}
