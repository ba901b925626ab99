/**
 * write.ts — saving tensors as .safetensors, laid out like the reference Python library.
 *
 * Teaches: the writer decides the layout the reader trusts:
 *   1. order tensors by dtype size, largest first, then by name (as safetensors 0.8 does), so each
 *      tensor's offset is a multiple of its element size;
 *   2. give each tensor data_offsets [begin, end) back to back in that order;
 *   3. JSON header {"__metadata__": {...}, name: {dtype, shape, data_offsets}, ...}, padded with
 *      spaces to a multiple of 8 bytes, so the data section starts 8-aligned;
 *   4. write u64 length, header, then each tensor's bytes (little-endian, row-major).
 * `writeSafetensors` streams step 4 tensor by tensor, never building one file-sized buffer.
 *
 * Reference: https://github.com/huggingface/safetensors (safetensors/src/tensor.rs `prepare`, `serialize`)
 */
import * as fs from "node:fs";
import { type DType, DTYPE_BYTES } from "../dtype.ts";
import { ArgumentError } from "../errors.ts";
import { type Tensor, numel } from "../tensor.ts";
import { DTYPE_TO_SAFETENSORS } from "./format.ts";

/** Position in the reference library's Dtype enum (declaration order = alignment order). */
const DTYPE_RANK: Record<DType, number> = { bool: 0, uint8: 1, float16: 7, bfloat16: 8, int32: 9, float32: 11, float64: 12, int64: 13 };

/** What the layout needs of a tensor: its dtype and shape (a Tensor has both). */
export interface TensorSpec {
  dtype: DType;
  shape: readonly number[];
}

/** The tensors in the order their bytes are written (step 1). */
function order<T extends TensorSpec>(tensors: Record<string, T>): { name: string; tensor: T }[] {
  const out = Object.entries(tensors).map(([name, tensor]) => {
    if (name === "__metadata__") throw new ArgumentError(`writeSafetensors: "__metadata__" is reserved and cannot name a tensor`);
    return { name, tensor };
  });
  return out.sort((a, b) => DTYPE_RANK[b.tensor.dtype] - DTYPE_RANK[a.tensor.dtype] || Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}

/**
 * The padded header bytes of a file holding tensors of these specs (steps 1-3), and where each
 * tensor's bytes go in the data section: a writer that has the bytes elsewhere (a worker thread) can
 * lay out the file from the header alone.
 */
export function safetensorsHeader<T extends TensorSpec>(tensors: Record<string, T>, metadata?: Record<string, string>): { header: Buffer; order: { name: string; tensor: T; begin: number; end: number }[] } {
  const ordered = order(tensors);
  const parts: string[] = [];
  if (metadata && Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") throw new ArgumentError(`writeSafetensors: metadata["${k}"] must be a string, got ${typeof v}`);
    }
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  const placed = ordered.map(({ name, tensor }) => {
    const begin = offset;
    const end = begin + numel(tensor.shape) * DTYPE_BYTES[tensor.dtype];
    // Build by hand: a JS object would move integer-like names ("0", "1") to the front.
    parts.push(`${JSON.stringify(name)}:{"dtype":"${DTYPE_TO_SAFETENSORS[tensor.dtype]}","shape":${JSON.stringify(tensor.shape)},"data_offsets":[${begin},${end}]}`);
    offset = end;
    return { name, tensor, begin, end };
  });
  let json = Buffer.from(`{${parts.join(",")}}`, "utf8");
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, " ")]);
  const header = Buffer.alloc(8 + json.length);
  header.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(header, 8);
  return { header, order: placed };
}

const plan = (tensors: Record<string, Tensor>, metadata?: Record<string, string>) => safetensorsHeader(tensors, metadata);

/** The raw little-endian bytes of a tensor (a view, no copy). */
function bytesOf(t: Tensor): Buffer {
  return Buffer.from(t.data.buffer, t.data.byteOffset, t.byteLength);
}

/** The whole file as one Buffer (for small files and tests). */
export function serializeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Buffer {
  const { header, order } = plan(tensors, metadata);
  return Buffer.concat([header, ...order.map((p) => bytesOf(p.tensor))]);
}

/** Write `tensors` to `path`: header first, then each tensor's bytes in turn. */
export function writeSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  const { header, order } = plan(tensors, metadata);
  const fd = fs.openSync(path, "w");
  try {
    writeAll(fd, header);
    for (const p of order) writeAll(fd, bytesOf(p.tensor));
  } finally {
    fs.closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, Math.min(buf.length - done, 1 << 30));
}
