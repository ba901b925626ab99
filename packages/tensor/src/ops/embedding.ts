/**
 * embedding.ts — token embedding lookup: rows of a table picked by integer ids.
 *
 * Teaches: an embedding table E [V, D] maps token id t to the row E[t]; no arithmetic at all:
 *   h[b, s, :] = E[ids[b, s], :]
 * Rows of a batch must have one length (pad them); an id outside [0, V) is an error, never a wrap.
 * The same lookup reads single rows straight from a checkpoint file (safetensors/tensor_rows.ts)
 * when the table is too large to hold in JS; ONNX's `Gather` does it inside a graph.
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.nn.Embedding.html
 * Leaves out: padding_idx, max_norm.
 */
import { ArgumentError, ShapeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";

/** ids [B][T] (equal-length rows) and table [V, D] -> [B, T, D]. */
export function embedding(ids: readonly (readonly number[])[], table: Tensor): Tensor {
  if (table.rank !== 2) throw new ShapeError(`embedding: table must be [vocab, dim], got [${table.shape.join(", ")}]`);
  const T = ids.length ? ids[0].length : 0;
  const flat: number[] = [];
  for (const [b, row] of ids.entries()) {
    if (row.length !== T) throw new ShapeError(`embedding: row ${b} has ${row.length} ids, row 0 has ${T} (pad rows to one length)`);
    for (const id of row) {
      if (!Number.isInteger(id) || id < 0 || id >= table.shape[0]) throw new ArgumentError(`embedding: token id ${id} in row ${b} is outside the table's ${table.shape[0]} rows`);
      flat.push(id);
    }
  }
  return table.gather(flat, 0).reshape([ids.length, T, table.shape[1]]); // [B, T, D]
}
