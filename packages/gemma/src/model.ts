/**
 * model.ts — the Gemma decoder stack: embeddings in, (selected) logits out.
 *
 * Teaches the forward pass, shapes on the right:
 *   x      = inputs_embeds * sqrt(hidden_size)            [B, T, H]  the normalizer, float32
 *   cos,sin = rope(positions)                              [B, T, head_dim]  positions given per row
 *   for each layer i: x = layer_i(x, mask_i, cache_i)      [B, T, H]  mask_i = mask, + sliding window on
 *                                                                    Gemma 2's even layers
 *   h      = rms_norm(x, norm)                             [B, T, H]
 *   logits = h E^T                                         [B, T', V] tied head, only where asked:
 *                                                                    "all" (scoring), "last" (generation)
 *   logits = final_logit_softcapping * tanh(logits / cap)  Gemma 2
 * The caller owns the mask and the positions, so one forward serves a standalone causal LM
 * (0-based positions, causal mask), PaliGemma's prefix-LM (1-based positions), padded batches,
 * prefill (T = prompt, cache empty) and decode (T = 1, cache full of the past). With a cache, the
 * T new tokens occupy slots cache.length .. cache.length + T - 1 and `mask` covers all those keys.
 *
 * Reference: Hugging Face transformers `GemmaModel`, `GemmaForCausalLM`, `Gemma2ForCausalLM`.
 */
import { type KVCache, embedding, rmsNorm, rotaryTables, softCap, tiedLmHead, withSlidingWindow, type TokenIds } from "@paligemma-ts/core";
import { ShapeError, Tensor, mul } from "@paligemma-ts/tensor";
import { type GemmaTextConfig, embeddingNormalizer, slidingWindowOf } from "./config.ts";
import { gemma2DecoderLayer } from "./gemma2_decoder_layer.ts";
import { type LayerContext, gemmaDecoderLayer } from "./decoder_layer.ts";
import type { GemmaWeights } from "./weights.ts";

/** Which positions need logits: every one, only the last of each row, or none. */
export type LogitsWanted = "all" | "last" | "none";

/** Called with "text.layer{i}.input", "text.layer{i}.output", "text.final_norm". */
export type Trace = (name: string, value: Tensor) => void;

export interface GemmaForwardInput {
  /** [B, T, H] token (or merged image) embeddings, before the sqrt(hidden) normalizer. */
  inputsEmbeds: Tensor;
  /** RoPE positions per row [B][T]. */
  positions: readonly (readonly number[])[];
  /** Additive [B or 1, 1, T, Tk], Tk = (cache length before this call) + T; null = see everything. */
  mask: Tensor | null;
  cache?: KVCache | null;
  /** Default "all". */
  logits?: LogitsWanted;
  trace?: Trace;
}

export interface GemmaForwardOutput {
  /** [B, T, V] ("all"), [B, 1, V] ("last") or null ("none"). */
  logits: Tensor | null;
  /** Final-norm hidden states [B, T, H]. */
  hiddenStates: Tensor;
}

/** Raw embedding rows for token ids [B][T] -> [B, T, H] (no normalizer). */
export function gemmaEmbed(ids: TokenIds, w: GemmaWeights): Tensor {
  return embedding(ids, w.embed_tokens);
}

/** Logits for hidden states h [..., H]: tied head, then Gemma 2's final soft-cap. */
export function gemmaLmHead(h: Tensor, w: GemmaWeights, c: GemmaTextConfig): Tensor {
  const logits = tiedLmHead(h, w.embed_tokens); // [..., V]
  return c.model_type === "gemma2" ? softCap(logits, c.final_logit_softcapping) : logits;
}

/** Run the decoder; see the header for the contract. */
export function gemmaForward(w: GemmaWeights, c: GemmaTextConfig, input: GemmaForwardInput): GemmaForwardOutput {
  const { inputsEmbeds, positions, cache, trace } = input;
  const [B, T, H] = inputsEmbeds.shape;
  if (inputsEmbeds.rank !== 3 || H !== c.hidden_size) throw new ShapeError(`Gemma: inputsEmbeds must be [B, T, ${c.hidden_size}], got [${inputsEmbeds.shape.join(", ")}]`);
  if (positions.length !== B || positions.some((r) => r.length !== T)) throw new ShapeError(`Gemma: positions must be [${B}][${T}]`);
  const offset = cache ? cache.length : 0;
  const Tk = offset + T;
  let mask = input.mask;
  if (mask && (mask.rank !== 4 || mask.shape[2] !== T || mask.shape[3] !== Tk)) {
    throw new ShapeError(`Gemma: mask must be [B, 1, ${T}, ${Tk}] (${offset} cached + ${T} new keys), got [${mask.shape.join(", ")}]`);
  }
  const rope = rotaryTables(positions, c.head_dim, c.rope_theta);
  const localMasks = new Map<number, Tensor | null>(); // window -> mask with that window
  const maskFor = (i: number): Tensor | null => {
    const win = slidingWindowOf(c, i);
    if (win === null || win >= Tk) return mask;
    if (!localMasks.has(win)) localMasks.set(win, withSlidingWindow(mask ?? Tensor.zeros([1, 1, T, Tk]), win, offset));
    return localMasks.get(win)!;
  };
  let x = mul(inputsEmbeds, embeddingNormalizer(c)); // [B, T, H]
  const layer = c.model_type === "gemma2" ? gemma2DecoderLayer : gemmaDecoderLayer;
  w.layers.forEach((lw, i) => {
    trace?.(`text.layer${i}.input`, x);
    const ctx: LayerContext = { mask: maskFor(i), rope, cache: cache ? cache.layers[i] : null };
    x = layer(x, lw, c, ctx);
    trace?.(`text.layer${i}.output`, x);
  });
  const h = rmsNorm(x, w.norm, c.rms_norm_eps); // [B, T, H]
  trace?.("text.final_norm", h);
  const want = input.logits ?? "all";
  const logits = want === "none" ? null : gemmaLmHead(want === "last" ? h.slice(1, T - 1, T) : h, w, c);
  return { logits, hiddenStates: h };
}
