/**
 * format.ts — the safetensors file format: dtype names, header parsing and validation.
 *
 * Teaches: a .safetensors file is
 *   [8 bytes: N, little-endian u64] [N bytes: JSON header, space padded] [data section]
 * The header maps each tensor name to {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
 * offsets relative to the start of the data section, plus an optional "__metadata__" of strings.
 * Data is little-endian, row-major, with no strides or alignment rules: the header alone tells where
 * every tensor is, so a reader can open a 12 GB checkpoint by reading a few kilobytes.
 *
 * Every check below exists because a truncated download or a hand-edited file produces it; each
 * failure is a SafetensorsError naming the file and the tensor.
 *
 * Reference: https://github.com/huggingface/safetensors (README "Format"; safetensors/src/tensor.rs)
 * Leaves out: F64, I8, I16, U16, U32, U64 and the F8 types (no PaliGemma checkpoint uses them);
 * big-endian hosts.
 */
import { type DType, DTYPE_BYTES } from "../dtype.ts";
import { PaliGemmaError } from "../errors.ts";
import { numel } from "../tensor.ts";

/** A malformed or unexpected safetensors file (or sharded checkpoint). */
export class SafetensorsError extends PaliGemmaError {
  readonly file: string;
  readonly tensor?: string;
  constructor(file: string, message: string, tensor?: string, options?: { cause?: unknown }) {
    super("E_SAFETENSORS", `${file}${tensor !== undefined ? `: tensor "${tensor}"` : ""}: ${message}`, options);
    this.file = file;
    this.tensor = tensor;
  }
}

/** safetensors dtype name -> our DType. */
export const SAFETENSORS_TO_DTYPE: Readonly<Record<string, DType>> = {
  F32: "float32",
  F16: "float16",
  BF16: "bfloat16",
  I64: "int64",
  I32: "int32",
  U8: "uint8",
  BOOL: "bool",
};

/** our DType -> safetensors dtype name. */
export const DTYPE_TO_SAFETENSORS: Readonly<Record<DType, string>> = {
  float32: "F32",
  float16: "F16",
  bfloat16: "BF16",
  float64: "F64", // written (e.g. test oracles) but not read back: checkpoints are never float64
  int64: "I64",
  int32: "I32",
  uint8: "U8",
  bool: "BOOL",
};

/** Headers above this are refused as corrupt (the reference library uses the same 100 MB limit). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's header entry; begin/end are relative to the data section. */
export interface HeaderEntry {
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

export interface ParsedHeader {
  entries: Map<string, HeaderEntry>;
  metadata: Record<string, string>;
}

/** Check the 8-byte length prefix against the file size; returns the header length N. */
export function checkHeaderLength(file: string, fileSize: number, n: bigint): number {
  if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(file, `header length ${n} is absurdly large (limit ${MAX_HEADER_BYTES} bytes): not a safetensors file?`);
  if (8n + n > BigInt(fileSize)) throw new SafetensorsError(file, `header length ${n} runs past the end of the file (${fileSize} bytes): truncated?`);
  if (n < 2n) throw new SafetensorsError(file, `header length ${n} is too small to hold a JSON object`);
  return Number(n);
}

const isNonNegInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/** Parse and validate the JSON header; `dataLength` is the size of the data section in bytes. */
export function parseHeader(file: string, headerBytes: Uint8Array, dataLength: number): ParsedHeader {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new SafetensorsError(file, `header is not valid UTF-8 JSON (${(e as Error).message})`, undefined, { cause: e });
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new SafetensorsError(file, "header must be a JSON object of tensor entries");
  const metadata: Record<string, string> = {};
  const entries = new Map<string, HeaderEntry>();
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new SafetensorsError(file, "__metadata__ must be an object of strings");
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== "string") throw new SafetensorsError(file, `__metadata__["${k}"] must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    entries.set(name, parseEntry(file, name, raw, dataLength));
  }
  checkOverlaps(file, entries);
  return { entries, metadata };
}

function parseEntry(file: string, name: string, raw: unknown, dataLength: number): HeaderEntry {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw new SafetensorsError(file, "entry must be an object with dtype, shape, data_offsets", name);
  const { dtype, shape, data_offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== "string") throw new SafetensorsError(file, `missing or non-string "dtype" (got ${JSON.stringify(dtype)})`, name);
  const dt = SAFETENSORS_TO_DTYPE[dtype];
  if (!dt) throw new SafetensorsError(file, `unknown dtype "${dtype}" (supported: ${Object.keys(SAFETENSORS_TO_DTYPE).join(", ")})`, name);
  if (!Array.isArray(shape) || !shape.every(isNonNegInt)) throw new SafetensorsError(file, `"shape" must be an array of non-negative integers, got ${JSON.stringify(shape)}`, name);
  if (!Array.isArray(data_offsets) || data_offsets.length !== 2 || !data_offsets.every(isNonNegInt)) {
    throw new SafetensorsError(file, `"data_offsets" must be [begin, end] non-negative integers, got ${JSON.stringify(data_offsets)}`, name);
  }
  const [begin, end] = data_offsets as number[];
  if (end < begin) throw new SafetensorsError(file, `data_offsets [${begin}, ${end}] end before they begin`, name);
  if (end > dataLength) throw new SafetensorsError(file, `data_offsets [${begin}, ${end}] run past the data section (${dataLength} bytes): truncated?`, name);
  const expected = numel(shape as number[]) * DTYPE_BYTES[dt];
  if (end - begin !== expected) {
    throw new SafetensorsError(file, `holds ${end - begin} bytes but ${dtype} [${(shape as number[]).join(", ")}] needs ${expected}`, name);
  }
  return { dtype: dt, shape: [...(shape as number[])], begin, end };
}

/** Two tensors may not share bytes (zero-length tensors overlap nothing). */
function checkOverlaps(file: string, entries: Map<string, HeaderEntry>): void {
  const sorted = [...entries].filter(([, e]) => e.end > e.begin).sort((x, y) => x[1].begin - y[1].begin);
  for (let i = 1; i < sorted.length; i++) {
    const [prevName, prev] = sorted[i - 1];
    const [name, cur] = sorted[i];
    if (cur.begin < prev.end) {
      throw new SafetensorsError(file, `bytes [${cur.begin}, ${cur.end}) overlap tensor "${prevName}" [${prev.begin}, ${prev.end})`, name);
    }
  }
}
