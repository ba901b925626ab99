/**
 * embedding_backward.ts — the gradient of an embedding lookup: a scatter-add into the table.
 *
 * Teaches: the forward copies rows, h[b, t, :] = E[ids[b, t], :], so each output row's gradient goes
 * back to the one table row it was copied from, and a token that appears several times collects the
 * sum of all its rows' gradients:
 *   dE[v, :] = sum over (b, t) with ids[b, t] = v of dh[b, t, :]
 * Rows of tokens that never appear get exactly 0 (a weight-tied LM head adds its own dense gradient
 * to the same table: the caller sums the two).
 *
 * References: PyTorch `embedding_backward` (derivatives.yaml; `embedding_dense_backward`); llm.c
 * `encoder_backward` (dwte[ix] += dout[b, t]); ONNX ScatterND with reduction "add" (the graph form).
 * Leaves out: padding_idx (a row whose gradient is forced to 0), sparse gradients, scale_grad_by_freq.
 */
import { ArgumentError, ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

/** dout [B, T, D], ids [B][T], vocab V -> dtable [V, D] (float32; repeated ids accumulate). */
export function embeddingBackward(dout: Tensor, ids: readonly (readonly number[])[], vocab: number): Tensor {
  if (!Number.isInteger(vocab) || vocab < 0) throw new ArgumentError(`embeddingBackward: vocab must be a non-negative integer, got ${vocab}`);
  const T = ids.length ? ids[0].length : 0;
  if (dout.rank !== 3 || dout.shape[0] !== ids.length || dout.shape[1] !== T) {
    throw new ShapeError(`embeddingBackward: dout must be [B, T, D] = [${ids.length}, ${T}, D] for ids [${ids.length}][${T}], got [${dout.shape.join(", ")}]`);
  }
  const D = dout.shape[2];
  const gv = dout.toFloat32();
  const acc = new Float64Array(vocab * D); // [V, D]
  for (const [b, row] of ids.entries()) {
    if (row.length !== T) throw new ShapeError(`embeddingBackward: ids row ${b} has ${row.length} ids, row 0 has ${T}`);
    for (const [t, id] of row.entries()) {
      if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new ArgumentError(`embeddingBackward: token id ${id} in row ${b} is outside the table's ${vocab} rows`);
      const src = (b * T + t) * D;
      for (let d = 0; d < D; d++) acc[id * D + d] += gv[src + d]; // dE[id] += dh[b, t]
    }
  }
  return new Tensor("float32", [vocab, D], Float32Array.from(acc));
}
