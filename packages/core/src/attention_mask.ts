/**
 * attention_mask.ts — additive attention masks: who may look at whom.
 *
 * Teaches: attention adds a mask to its scores before the softmax; 0 keeps a key, -Infinity removes it
 * (e^-inf = 0 exactly, so a removed key contributes nothing). Masks here are [B, 1, Tq, Tk]: one per
 * batch row, shared by all heads, for a block of Tq queries that sit at cache slots
 * queryOffset .. queryOffset + Tq - 1 among Tk keys (slots 0 .. Tk - 1). Prefill is offset 0;
 * a decode step is Tq = 1 at offset Tk - 1. Query slot i may see key slot j when
 *   keyMask[b][j] = 1                                  (padding is never attended)
 *   and ( j <= i                                       (causal: the past and itself)
 *         or (i < prefixEnd[b] and j < prefixEnd[b]) ) (prefix-LM: the prefix sees itself both ways)
 *   and ( slidingWindow undefined or i - j < window )  (Gemma 2 local layers: only recent keys)
 * Causal is prefixEnd = 0; fully bidirectional (SigLIP, or a prefix that is the whole prompt) is
 * prefixEnd >= Tk. PaliGemma's prefix-LM: image + `<bos>` + prompt are the prefix, the suffix (the
 * answer) is causal. The sliding window only limits how far back a query looks, as in Gemma 2 (a
 * model's local layers pass it to the attention op instead, which applies the same rule; here it
 * makes the mask a lesson can draw).
 * A query row that sees nothing (a padding query) is all -Infinity; the attention kernel returns 0 there.
 *
 * References: Raffel et al., "T5" section 3.2.1 (prefix-LM, https://arxiv.org/abs/1910.10683);
 * Beyer et al., "PaliGemma" section 3.2 (https://arxiv.org/abs/2407.07726);
 * Beltagy et al., "Longformer" (sliding window, https://arxiv.org/abs/2004.05150).
 * Leaves out: block-sparse and document masks.
 */
import { ArgumentError, Tensor } from "@paligemma-ts/tensor";

export interface AttentionMaskOptions {
  /** Number of queries in this block (Tq). */
  queryLength: number;
  /** Number of key slots (Tk); default queryOffset + queryLength. */
  keyLength?: number;
  /** Cache slot of the first query; default keyLength - queryLength (the queries are the newest keys). */
  queryOffset?: number;
  /** Batch rows B; default the number of keyMask rows, else the length of a prefixEnd list, else 1. */
  batch?: number;
  /** Slots [0, prefixEnd) see each other both ways; one number for every row or one per row. Default 0 (causal). */
  prefixEnd?: number | readonly number[];
  /** Per row, per key slot: 1 = a real token, 0 = padding (never attended). At least Tk entries per row. */
  keyMask?: readonly ArrayLike<number>[];
  /** Gemma 2 local attention: query slot i sees key slot j only when i - j < slidingWindow. */
  slidingWindow?: number | null;
}

/** The additive mask [B, 1, Tq, Tk] (0 = attend, -Infinity = blocked), float32. */
export function attentionMask(options: AttentionMaskOptions): Tensor {
  const Tq = options.queryLength;
  const Tk = options.keyLength ?? (options.queryOffset ?? 0) + Tq;
  const offset = options.queryOffset ?? Tk - Tq;
  const { keyMask, slidingWindow } = options;
  const prefix = options.prefixEnd ?? 0;
  const B = options.batch ?? keyMask?.length ?? (typeof prefix === "number" ? 1 : prefix.length);
  if (!Number.isInteger(Tq) || !Number.isInteger(Tk) || Tq < 0 || offset < 0 || offset + Tq > Tk) {
    throw new ArgumentError(`attentionMask: queries at slots [${offset}, ${offset + Tq}) do not fit in ${Tk} keys`);
  }
  if (keyMask && (keyMask.length !== B || keyMask.some((r) => r.length < Tk))) {
    throw new ArgumentError(`attentionMask: keyMask must have ${B} rows of at least ${Tk} entries`);
  }
  if (typeof prefix !== "number" && prefix.length !== B) {
    throw new ArgumentError(`attentionMask: prefixEnd has ${prefix.length} entries for ${B} rows`);
  }
  if (slidingWindow != null && !(slidingWindow >= 1)) throw new ArgumentError(`attentionMask: slidingWindow must be >= 1, got ${slidingWindow}`);
  const out = new Float32Array(B * Tq * Tk); // [B, 1, Tq, Tk]
  for (let b = 0; b < B; b++) {
    const pe = typeof prefix === "number" ? prefix : prefix[b];
    for (let q = 0; q < Tq; q++) {
      const i = offset + q; // this query's cache slot
      const row = (b * Tq + q) * Tk;
      for (let j = 0; j < Tk; j++) {
        let visible = j <= i || (i < pe && j < pe);
        if (keyMask && !keyMask[b][j]) visible = false;
        if (slidingWindow != null && i - j >= slidingWindow) visible = false;
        out[row + j] = visible ? 0 : -Infinity;
      }
    }
  }
  return new Tensor("float32", [B, 1, Tq, Tk], out);
}

/** Causal mask [1, 1, Tq, Tk] for queries that are the last Tq of Tk slots (Tk defaults to Tq). */
export function causalMask(queryLength: number, keyLength = queryLength): Tensor {
  return attentionMask({ queryLength, keyLength });
}

/** Bidirectional mask: every query sees every (non-padding) key. */
export function bidirectionalMask(queryLength: number, keyLength = queryLength, keyMask?: readonly ArrayLike<number>[]): Tensor {
  return attentionMask({ queryLength, keyLength, prefixEnd: keyLength, keyMask });
}

/** Prefix-LM mask for a whole sequence (prefill): prefixEnd[b] slots bidirectional, the rest causal. */
export function prefixLmMask(length: number, prefixEnd: number | readonly number[], keyMask?: readonly ArrayLike<number>[]): Tensor {
  return attentionMask({ queryLength: length, keyLength: length, prefixEnd, keyMask });
}

/** Causal mask limited to the last `window` keys (Gemma 2 local layers). */
export function slidingWindowMask(queryLength: number, window: number, keyLength = queryLength): Tensor {
  return attentionMask({ queryLength, keyLength, slidingWindow: window });
}
