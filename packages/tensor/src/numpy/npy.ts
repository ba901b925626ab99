/**
 * npy.ts — read NumPy's .npy format: one array, a tiny text header, then the raw elements.
 *
 * Teaches: the simplest tensor file there is. A .npy file is
 *   "\x93NUMPY"  major  minor  header_len (uint16 LE in v1; uint32 LE in v2/v3)
 *   header: a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 64, 64), }
 *           padded with spaces and a final "\n" so that the data starts at a multiple of 64 (16 in old files)
 *   data:   prod(shape) elements, row-major (C order) unless fortran_order is True
 * `descr` is a type string: byte order ('<' little, '>' big, '|' not applicable, '=' native),
 * kind ('f' float, 'i' signed, 'u' unsigned, 'b' bool) and size in bytes, e.g. '<f4', '|u1', '>i8'.
 * Here every array becomes a row-major little-endian Tensor: big-endian data is byte-swapped,
 * Fortran-order data transposed; float64 is narrowed to float32 and int8/int16/uint16/uint32 widened
 * to int32/int64 (Tensor has no such dtypes), which the caller can see in the returned dtype.
 *
 * Reference: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * Leaves out: writing, structured dtypes, object arrays (pickles: never executed), complex numbers.
 */
import { type DType, allocate } from "../dtype.ts";
import { PaliGemmaError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

/** A .npy / .npz file that cannot be read; the message names the file (or array) and the problem. */
export class NpyError extends PaliGemmaError {
  constructor(message: string) {
    super("E_NPY", message);
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
}

/** Parse the magic, version and header dict of a .npy file. `name` goes into errors. */
export function parseNpyHeader(bytes: Uint8Array, name = "array.npy"): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyError(`${name}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new NpyError(`${name}: unsupported .npy version ${major}.${bytes[7]} (expected 1, 2 or 3)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = 8 + lenBytes;
  if (start + headerLen > bytes.length) throw new NpyError(`${name}: header of ${headerLen} bytes runs past the end of the file (${bytes.length} bytes)`);
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new NpyError(`${name}: header ${JSON.stringify(text.trim())} lacks 'descr', 'fortran_order' or 'shape'`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map((s) => Number(s.replace(/L$/, "")));
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new NpyError(`${name}: bad shape (${shapeText})`);
  return { descr, fortranOrder: fortran === "True", shape, dataOffset: start + headerLen };
}

/** descr -> how to read one element and which Tensor dtype holds it. */
interface ElementType {
  dtype: DType;
  size: number;
  read(dv: DataView, offset: number, little: boolean): number | bigint;
}

function elementType(descr: string, name: string): { type: ElementType; little: boolean } {
  const m = /^([<>|=])([fiub])(\d+)$/.exec(descr);
  if (!m) throw new NpyError(`${name}: unsupported dtype '${descr}' (expected a float, int, uint or bool type such as '<f4')`);
  const little = m[1] !== ">"; // '|' (single byte) and '=' (native: x86/ARM are little-endian) read as little
  const key = `${m[2]}${m[3]}`;
  const types: Record<string, ElementType> = {
    f2: { dtype: "float16", size: 2, read: (d, o, l) => d.getUint16(o, l) }, // raw half bits
    f4: { dtype: "float32", size: 4, read: (d, o, l) => d.getFloat32(o, l) },
    f8: { dtype: "float32", size: 8, read: (d, o, l) => d.getFloat64(o, l) }, // narrowed
    i1: { dtype: "int32", size: 1, read: (d, o) => d.getInt8(o) },
    i2: { dtype: "int32", size: 2, read: (d, o, l) => d.getInt16(o, l) },
    i4: { dtype: "int32", size: 4, read: (d, o, l) => d.getInt32(o, l) },
    i8: { dtype: "int64", size: 8, read: (d, o, l) => d.getBigInt64(o, l) },
    u1: { dtype: "uint8", size: 1, read: (d, o) => d.getUint8(o) },
    u2: { dtype: "int32", size: 2, read: (d, o, l) => d.getUint16(o, l) },
    u4: { dtype: "int64", size: 4, read: (d, o, l) => BigInt(d.getUint32(o, l)) },
    b1: { dtype: "bool", size: 1, read: (d, o) => (d.getUint8(o) ? 1 : 0) },
  };
  const type = types[key];
  if (!type) throw new NpyError(`${name}: unsupported dtype '${descr}'`);
  return { type, little };
}

/** Read a whole .npy file (bytes) as a row-major Tensor. */
export function readNpy(bytes: Uint8Array, name = "array.npy"): Tensor {
  const h = parseNpyHeader(bytes, name);
  const { type, little } = elementType(h.descr, name);
  const n = h.shape.reduce((a, b) => a * b, 1);
  if (h.dataOffset + n * type.size > bytes.length) {
    throw new NpyError(`${name}: shape (${h.shape.join(", ")}) of '${h.descr}' needs ${n * type.size} data bytes, the file has ${bytes.length - h.dataOffset}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, n * type.size);
  const out = allocate(type.dtype, n);
  // Fortran order: element k of the file is the column-major k-th element; map it to its row-major index.
  const rank = h.shape.length;
  const rowStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) rowStrides[i] = rowStrides[i + 1] * h.shape[i + 1];
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < n; k++) {
    let dst = k;
    if (h.fortranOrder && rank > 1) {
      dst = 0;
      for (let i = 0; i < rank; i++) dst += idx[i] * rowStrides[i];
      for (let i = 0; i < rank && ++idx[i] === h.shape[i]; i++) idx[i] = 0; // first axis fastest
    }
    const v = type.read(dv, k * type.size, little);
    (out as unknown as (number | bigint)[])[dst] = v;
  }
  return new Tensor(type.dtype, h.shape, out);
}
