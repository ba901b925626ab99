/**
 * causal_lm.ts — Gemma as a plain causal language model: token ids in, next-token logits out.
 *
 * Teaches: the smallest useful wrapper around the decoder, as in a lesson:
 *   positions = cache.length + [0, 1, ..., T-1]     (0-based, as Hugging Face Gemma)
 *   mask      = causal over every key so far
 *   logits    = gemmaForward(embed(ids), positions, mask, cache)
 * Greedy generation is then: prefill the prompt with "last" logits, take argmax, feed it back with
 * the cache, repeat. (PaliGemma instead uses a prefix-LM mask and 1-based positions: see
 * @paligemma-ts/paligemma.)
 *
 * Reference: Hugging Face transformers `GemmaForCausalLM.forward`.
 * Leaves out: padding (all rows must have the same length), sampling (see @paligemma-ts/core sampling).
 */
import { KVCache, attentionMask, type TokenIds } from "@paligemma-ts/core";
import type { Tensor } from "@paligemma-ts/tensor";
import type { GemmaTextConfig } from "./config.ts";
import { type LogitsWanted, gemmaEmbed, gemmaForward } from "./model.ts";
import type { GemmaWeights } from "./weights.ts";

export class GemmaForCausalLM {
  constructor(
    readonly config: GemmaTextConfig,
    readonly weights: GemmaWeights,
  ) {}

  /** A preallocated cache for `batch` rows and up to `maxLength` tokens. */
  createCache(batch: number, maxLength: number): KVCache {
    const c = this.config;
    return new KVCache({ numLayers: c.num_hidden_layers, batch, numKvHeads: c.num_key_value_heads, headDim: c.head_dim, maxLength });
  }

  /** ids [B][T] (or [T]) -> logits [B, T, V] ("all", default) or [B, 1, V] ("last"). */
  forward(ids: TokenIds, options: { cache?: KVCache; logits?: LogitsWanted } = {}): Tensor {
    const embeds = gemmaEmbed(ids, this.weights); // [B, T, H]
    const [B, T] = embeds.shape;
    const offset = options.cache?.length ?? 0;
    const positions = Array.from({ length: B }, () => Array.from({ length: T }, (_, t) => offset + t));
    const mask = attentionMask({ queryLength: T, keyLength: offset + T, batch: 1 });
    const out = gemmaForward(this.weights, this.config, { inputsEmbeds: embeds, positions, mask, cache: options.cache, logits: options.logits ?? "all" });
    return out.logits!;
  }
}
