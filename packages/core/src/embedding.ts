/**
 * embedding.ts — the tied language-model head: the embedding table read backwards.
 *
 * Teaches: an embedding table E [V, D] maps token id t to the row E[t] (a gather, no arithmetic:
 * the `embedding` kernel of @paligemma-ts/tensor, or rows read from the checkpoint file):
 *   h[b, s, :] = E[ids[b, s], :]
 * Weight tying reuses the same table to turn hidden states back into vocabulary scores:
 *   logits[..., t] = h[..., :] . E[t, :]        i.e. logits = h E^T  (a Linear with W = E, no bias)
 * Gemma ties them, so a checkpoint stores only `embed_tokens.weight`, and the LM head is a linear
 * layer whose weight NAME is the embedding's.
 *
 * References: Press & Wolf, "Using the Output Embedding to Improve Language Models"
 * (https://arxiv.org/abs/1608.05859); https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
 */
import type { Ops } from "@paligemma-ts/tensor";

/** Token ids as rows of equal length ([B][T]) or a flat list ([T], treated as one row). */
export type TokenIds = readonly (readonly number[])[] | readonly number[];

/** ids as rows [B][T] (a flat list is one row). */
export function tokenRows(ids: TokenIds): readonly (readonly number[])[] {
  return ids.length > 0 && typeof ids[0] === "number" ? [ids as readonly number[]] : (ids as readonly (readonly number[])[]);
}

/** Tied LM head: h [..., D] -> logits [..., V] = h E^T, E = the table named `embedTokens`. */
export function tiedLmHead<T>(ops: Ops<T>, hidden: T, embedTokens: string): T {
  return ops.linear(hidden, { weight: embedTokens }); // [..., V]
}
