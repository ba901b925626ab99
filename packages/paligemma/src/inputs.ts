/**
 * inputs.ts — a batch of prompts laid out for the decoder: left padding, positions, prefix-LM masks.
 *
 * Teaches: what it takes for every row of a batch to compute exactly what it would compute alone.
 * Rows are LEFT-padded to one length L, so all rows share cache slots and every row's newest token is
 * at the end:
 *   slot:        0    1    2  ...  L-1 | L     L+1 ...    (prompt | generated)
 *   row "long":  img  img  bos ... \n  | tok   tok
 *   row "short": pad  img  img ... \n  | tok   tok
 * - keyMask[b][j] = 0 on padding slots: padding is never attended (mask -Infinity).
 * - positions are 1-based counts of real tokens (HF PaliGemma: cache_position + 1, and
 *   attention_mask.cumsum(-1) for padded rows), so a row's RoPE angles do not depend on its padding;
 *   padding slots get position 1 (their outputs are never used).
 * - prefixEnd[b]: slots before it (image + <bos> + prompt) attend to each other bidirectionally;
 *   slots from it on (a scored suffix, generated tokens) are causal.
 * Prefill uses a [B, 1, L, L] prefix-LM mask; a decode step at slot s uses [B, 1, 1, s + 1].
 *
 * Reference: Hugging Face transformers `PaliGemmaForConditionalGeneration._update_causal_mask` and
 * `prepare_inputs_for_generation` (position_ids = cumsum of the attention mask).
 */
import { attentionMask } from "@paligemma-ts/core";
import { ArgumentError, type Tensor } from "@paligemma-ts/tensor";

export interface PromptBatch {
  /** [B][L] left-padded ids. */
  ids: number[][];
  /** [B][L] 1 = real token, 0 = padding (slots past L, generated tokens, are real). */
  keyMask: number[][];
  /** [B][L] 1-based RoPE positions (1 on padding). */
  positions: number[][];
  /** Per row: first slot that is causal (= L for a generation prompt: the whole prompt is prefix). */
  prefixEnd: number[];
}

/**
 * Left-pad unpadded rows. `prefixLengths[b]` = how many leading tokens of row b are prefix
 * (default: all of them).
 */
export function leftPadBatch(rows: readonly (readonly number[])[], padId: number, prefixLengths?: readonly number[]): PromptBatch {
  if (rows.length === 0) throw new ArgumentError("batch: no prompts");
  const L = Math.max(...rows.map((r) => r.length));
  if (L === 0) throw new ArgumentError("batch: every prompt is empty");
  const out: PromptBatch = { ids: [], keyMask: [], positions: [], prefixEnd: [] };
  rows.forEach((r, b) => {
    const pad = L - r.length;
    const prefix = prefixLengths?.[b] ?? r.length;
    if (prefix < 0 || prefix > r.length) throw new ArgumentError(`batch: prefix length ${prefix} of row ${b} is outside its ${r.length} tokens`);
    out.ids.push([...new Array<number>(pad).fill(padId), ...r]);
    out.keyMask.push([...new Array<number>(pad).fill(0), ...new Array<number>(r.length).fill(1)]);
    out.positions.push([...new Array<number>(pad).fill(1), ...r.map((_, t) => t + 1)]);
    out.prefixEnd.push(pad + prefix);
  });
  return out;
}

/** Each row repeated k times in place (rows b*k .. b*k + k-1 are copies of row b): K beams or samples per prompt. */
export function repeatBatch(batch: PromptBatch, k: number): PromptBatch {
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`batch: repeat count must be a positive integer, got ${k}`);
  const rep = <T>(xs: readonly T[]): T[] => xs.flatMap((x) => new Array<T>(k).fill(x));
  return { ids: rep(batch.ids), keyMask: rep(batch.keyMask), positions: rep(batch.positions), prefixEnd: rep(batch.prefixEnd) };
}

/** The prefill mask [B, 1, L, L]: prefix bidirectional, the rest causal, padding never attended. */
export function prefillMask(batch: PromptBatch): Tensor {
  const L = batch.ids[0].length;
  return attentionMask({ queryLength: L, keyLength: L, prefixEnd: batch.prefixEnd, keyMask: batch.keyMask });
}

/** Positions [B][1] and mask [B, 1, 1, slot + 1] for one new token per row at cache slot `slot` (>= L). */
export function decodeStep(batch: PromptBatch, slot: number): { positions: number[][]; mask: Tensor } {
  const L = batch.ids[0].length;
  if (!Number.isInteger(slot) || slot < L) throw new ArgumentError(`decodeStep: slot ${slot} is inside the ${L}-slot prompt`);
  const keyMask = batch.keyMask.map((m) => [...m, ...new Array<number>(slot + 1 - L).fill(1)]); // generated tokens are real
  const positions = keyMask.map((m) => [m.reduce((s, v) => s + v, 0)]); // real tokens so far, 1-based
  const mask = attentionMask({ queryLength: 1, keyLength: slot + 1, prefixEnd: batch.prefixEnd, keyMask });
  return { positions, mask };
}
