/**
 * embedding.ts — token embedding lookup, and its transpose, the tied language-model head.
 *
 * Teaches: an embedding table E [V, D] maps token id t to the row E[t] (a gather, no arithmetic):
 *   h[b, s, :] = E[ids[b, s], :]
 * Weight tying reuses the same table to turn hidden states back into vocabulary scores:
 *   logits[..., t] = h[..., :] . E[t, :]        i.e. logits = h E^T  (a Linear with W = E, no bias)
 * Gemma ties them, so a checkpoint stores only `embed_tokens.weight`.
 *
 * References: Press & Wolf, "Using the Output Embedding to Improve Language Models"
 * (https://arxiv.org/abs/1608.05859); https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
 * Leaves out: padding_idx, max_norm.
 */
import { ArgumentError, ShapeError, Tensor } from "@paligemma-ts/tensor";
import { linear } from "./linear.ts";

/** Token ids as rows of equal length ([B][T]) or a flat list ([T], treated as one row). */
export type TokenIds = readonly (readonly number[])[] | readonly number[];

function rowsOf(ids: TokenIds): readonly (readonly number[])[] {
  return ids.length > 0 && typeof ids[0] === "number" ? [ids as readonly number[]] : (ids as readonly (readonly number[])[]);
}

/** ids [B][T] (or [T]) and table [V, D] -> [B, T, D] float32 (a [T] input gives [1, T, D]). */
export function embedding(ids: TokenIds, table: Tensor): Tensor {
  if (table.rank !== 2) throw new ShapeError(`embedding: table must be [vocab, dim], got [${table.shape.join(", ")}]`);
  const rows = rowsOf(ids);
  const T = rows.length ? rows[0].length : 0;
  const flat: number[] = [];
  for (const [b, row] of rows.entries()) {
    if (row.length !== T) throw new ShapeError(`embedding: row ${b} has ${row.length} ids, row 0 has ${T} (pad rows to one length)`);
    for (const id of row) {
      if (!Number.isInteger(id) || id < 0 || id >= table.shape[0]) {
        throw new ArgumentError(`embedding: token id ${id} in row ${b} is outside the table's ${table.shape[0]} rows`);
      }
      flat.push(id);
    }
  }
  const out = table.gather(flat, 0).to("float32"); // [B*T, D]
  return out.reshape([rows.length, T, table.shape[1]]); // [B, T, D]
}

/** Tied LM head: h [..., D] and table [V, D] -> logits [..., V] = h E^T. */
export function tiedLmHead(hidden: Tensor, table: Tensor): Tensor {
  return linear(hidden, { weight: table });
}
