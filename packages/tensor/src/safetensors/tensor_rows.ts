/**
 * tensor_rows.ts — rows of a 2-D checkpoint tensor read straight from the file: an embedding lookup
 * without loading the table.
 *
 * Teaches: a lookup E[id] needs H numbers, not the whole [V, H] table. Gemma's table is large
 * (257216 x 2048 float32 = 2.1 GB in PaliGemma) and the ONNX LM head already holds it (prepacked)
 * inside onnxruntime, so reading it into JS as well would double that memory (CheckpointWeights.rows). Each row is instead a
 * positioned read at
 *   offset(id) = tensor byte offset + id * H * bytes_per_element
 * of H elements (8 KiB for H = 2048, from the page cache after the first touch), converted to float32
 * when stored as bfloat16 / float16.
 *
 * Reference: ops/embedding.ts (the in-memory gather this reproduces exactly).
 * Leaves out: caching hot rows (a read costs microseconds next to a decoder step).
 */
import * as fs from "node:fs";
import { DTYPE_BYTES, type DType, toFloat32Array, viewBytes } from "../dtype.ts";
import { ArgumentError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import type { Checkpoint } from "./checkpoint.ts";

export class TensorRows {
  readonly vocab: number;
  readonly dim: number;
  private readonly fd: number;
  private readonly dtype: DType;
  private readonly offset: number;

  constructor(ckpt: Checkpoint, readonly name: string) {
    const info = ckpt.info(name);
    if (info.shape.length !== 2) throw new ArgumentError(`TensorRows: ${name} must be [vocab, dim], got [${info.shape.join(", ")}]`);
    [this.vocab, this.dim] = info.shape;
    this.dtype = info.dtype;
    this.offset = info.byteOffset;
    this.fd = fs.openSync(info.file, "r");
  }

  /** ids [B][T] -> raw rows [B, T, dim] float32 (no scaling). */
  rows(ids: readonly (readonly number[])[]): Tensor {
    const B = ids.length;
    const T = B ? ids[0].length : 0;
    const rowBytes = this.dim * DTYPE_BYTES[this.dtype];
    const out = new Float32Array(B * T * this.dim);
    const raw = new Uint8Array(rowBytes);
    ids.forEach((row, b) => {
      if (row.length !== T) throw new ArgumentError(`TensorRows: row ${b} has ${row.length} ids, row 0 has ${T}`);
      row.forEach((id, t) => {
        if (!Number.isInteger(id) || id < 0 || id >= this.vocab) throw new ArgumentError(`TensorRows: token id ${id} (row ${b}) is outside ${this.name}'s ${this.vocab} rows`);
        let done = 0;
        while (done < rowBytes) {
          const got = fs.readSync(this.fd, raw, done, rowBytes - done, this.offset + id * rowBytes + done);
          if (got === 0) throw new ArgumentError(`TensorRows: ${this.name} ends before row ${id}`);
          done += got;
        }
        const values = toFloat32Array(this.dtype, viewBytes(this.dtype, raw.buffer, 0, this.dim));
        out.set(values, (b * T + t) * this.dim);
      });
    });
    return new Tensor("float32", [B, T, this.dim], out); // [B, T, H]
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
