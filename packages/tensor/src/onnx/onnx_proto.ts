/**
 * onnx_proto.ts — a small protobuf wire-format writer for the subset of onnx.proto we emit.
 *
 * Teaches: an ONNX model file is just a protobuf message. Protobuf is a list of (tag, payload)
 * pairs where tag = (field_number << 3) | wire_type:
 *
 *   wire type 0  varint            int32/int64/enum/bool: 7 bits per byte, high bit = "more"
 *   wire type 2  length-delimited  string/bytes/nested message: varint length, then the bytes
 *   wire type 5  fixed32           float: 4 little-endian bytes
 *
 * Negative int64 values are written as 10-byte varints of their two's complement (protobuf rule).
 * Repeated numeric fields are written unpacked (one tag per element), the proto2 default that
 * onnx.proto uses; every protobuf parser accepts that form.
 *
 * Field numbers below are quoted from onnx/onnx.proto (IR version 10/11). Messages are plain
 * objects; `encodeModel` turns one into bytes. Chunks of raw weight bytes are never copied until
 * the single final concatenation.
 *
 * References: https://protobuf.dev/programming-guides/encoding/ ;
 * https://github.com/onnx/onnx/blob/main/onnx/onnx.proto
 *
 * Leaves out: decoding (tests carry a tiny reader), sparse tensors, sub-graphs (If/Loop bodies),
 * functions, training info, typed string_data/float_data fields (we always use raw_data).
 */
import type { DType } from "../dtype.ts";

/** TensorProto.DataType (onnx.proto `enum DataType`). */
export const OnnxDataType = {
  FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8, BOOL: 9,
  FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, BFLOAT16: 16, UINT4: 21, INT4: 22,
} as const;

const ONNX_TYPE: Record<DType, number> = {
  float32: OnnxDataType.FLOAT,
  float16: OnnxDataType.FLOAT16,
  bfloat16: OnnxDataType.BFLOAT16,
  float64: OnnxDataType.DOUBLE,
  int32: OnnxDataType.INT32,
  int64: OnnxDataType.INT64,
  uint8: OnnxDataType.UINT8,
  bool: OnnxDataType.BOOL,
};

/** DType -> TensorProto.DataType code. */
export function onnxDataType(dtype: DType): number {
  return ONNX_TYPE[dtype];
}

/** TensorProto.DataType code -> DType (undefined for types we do not model, e.g. INT8). */
export function dtypeFromOnnx(code: number): DType | undefined {
  return (Object.keys(ONNX_TYPE) as DType[]).find((d) => ONNX_TYPE[d] === code);
}

/** AttributeProto.AttributeType (onnx.proto `enum AttributeType`). */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** TensorProto: either raw little-endian bytes, or a pointer into an external file. */
export interface TensorProtoMsg {
  name: string;
  dataType: number;
  dims: readonly number[];
  rawData?: Uint8Array;
  /** data_location = EXTERNAL with key/values "location", "offset", "length". */
  external?: { location: string; offset: number; length: number };
}

export type AttributeValue =
  | { type: "float"; value: number }
  | { type: "int"; value: number | bigint }
  | { type: "string"; value: string }
  | { type: "tensor"; value: TensorProtoMsg }
  | { type: "floats"; value: readonly number[] }
  | { type: "ints"; value: readonly (number | bigint)[] }
  | { type: "strings"; value: readonly string[] };

export interface AttributeProtoMsg {
  name: string;
  value: AttributeValue;
}

export interface NodeProtoMsg {
  inputs: readonly string[]; // "" = optional input left out
  outputs: readonly string[];
  name: string;
  opType: string;
  domain?: string;
  attributes: readonly AttributeProtoMsg[];
}

/** A dimension is a fixed size (dim_value) or a symbol such as "batch" (dim_param). */
export type Dim = number | string;

export interface ValueInfoProtoMsg {
  name: string;
  elemType: number;
  /** undefined = rank unknown (no shape field at all). */
  dims?: readonly Dim[];
}

export interface GraphProtoMsg {
  name: string;
  nodes: readonly NodeProtoMsg[];
  initializers: readonly TensorProtoMsg[];
  inputs: readonly ValueInfoProtoMsg[];
  outputs: readonly ValueInfoProtoMsg[];
  valueInfo?: readonly ValueInfoProtoMsg[];
}

export interface OperatorSetIdMsg {
  domain: string; // "" = the default ai.onnx domain
  version: number;
}

export interface ModelProtoMsg {
  irVersion: number;
  opsetImports: readonly OperatorSetIdMsg[];
  producerName?: string;
  producerVersion?: string;
  graph: GraphProtoMsg;
}

// ---------------------------------------------------------------------------------------------
// The wire format: a writer that collects chunks and knows its total length.

const textEncoder = new TextEncoder();

export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private scratch: number[] = []; // small bytes accumulate here, flushed into a chunk when needed
  length = 0;

  private flush(): void {
    if (this.scratch.length) {
      this.chunks.push(Uint8Array.from(this.scratch));
      this.scratch = [];
    }
  }

  /** Unsigned varint; negative numbers become their 64-bit two's complement (10 bytes). */
  varint(v: number | bigint): this {
    if (typeof v === "number" && v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      if (!Number.isInteger(v)) throw new RangeError(`onnx_proto: varint of non-integer ${v}`);
      while (v >= 0x80) {
        this.scratch.push((v % 128) | 0x80);
        v = Math.floor(v / 128);
        this.length++;
      }
      this.scratch.push(v);
      this.length++;
      return this;
    }
    let b = BigInt.asUintN(64, BigInt(v));
    while (b >= 0x80n) {
      this.scratch.push(Number(b & 0x7fn) | 0x80);
      b >>= 7n;
      this.length++;
    }
    this.scratch.push(Number(b));
    this.length++;
    return this;
  }

  tag(field: number, wireType: 0 | 2 | 5): this {
    return this.varint(field * 8 + wireType);
  }

  /** field, wire type 0. */
  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }

  /** field, wire type 5: IEEE float32 little-endian. */
  float(field: number, v: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.scratch.push(b[0], b[1], b[2], b[3]);
    this.length += 4;
    return this;
  }

  /** field, wire type 2: raw bytes (kept by reference, not copied). */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.byteLength);
    this.flush();
    this.chunks.push(data);
    this.length += data.byteLength;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, textEncoder.encode(s));
  }

  /** field, wire type 2: a nested message written by `fill`. */
  message(field: number, fill: (w: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    fill(child);
    child.flush();
    this.tag(field, 2).varint(child.length);
    this.flush();
    this.chunks.push(...child.chunks);
    this.length += child.length;
    return this;
  }

  finish(): Uint8Array {
    this.flush();
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.byteLength;
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// ONNX messages, fields written in field-number order (as protobuf's own serializers do).

/** TensorProto: dims=1, data_type=2, name=8, raw_data=9, external_data=13, data_location=14. */
export function writeTensor(w: ProtoWriter, t: TensorProtoMsg): void {
  for (const d of t.dims) w.int(1, d); // repeated int64 dims = 1
  w.int(2, t.dataType); // int32 data_type = 2
  w.string(8, t.name); // string name = 8
  if (t.rawData) w.bytes(9, t.rawData); // bytes raw_data = 9
  if (t.external) {
    const e = t.external;
    for (const [key, value] of [["location", e.location], ["offset", String(e.offset)], ["length", String(e.length)]]) {
      w.message(13, (kv) => kv.string(1, key).string(2, value)); // StringStringEntryProto: key = 1, value = 2
    }
    w.int(14, 1); // DataLocation data_location = 14; EXTERNAL = 1
  }
}

/** AttributeProto: name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, strings=9, type=20. */
export function writeAttribute(w: ProtoWriter, a: AttributeProtoMsg): void {
  w.string(1, a.name);
  const v = a.value;
  switch (v.type) {
    case "float":
      w.float(2, v.value);
      break;
    case "int":
      w.int(3, v.value);
      break;
    case "string":
      w.string(4, v.value);
      break;
    case "tensor":
      w.message(5, (t) => writeTensor(t, v.value));
      break;
    case "floats":
      for (const f of v.value) w.float(7, f);
      break;
    case "ints":
      for (const i of v.value) w.int(8, i);
      break;
    case "strings":
      for (const s of v.value) w.string(9, s);
      break;
  }
  w.int(20, AttributeType[v.type.toUpperCase() as keyof typeof AttributeType]); // AttributeType type = 20
}

/** NodeProto: input=1, output=2, name=3, op_type=4, attribute=5, domain=7. */
export function writeNode(w: ProtoWriter, n: NodeProtoMsg): void {
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attributes) w.message(5, (m) => writeAttribute(m, a));
  if (n.domain) w.string(7, n.domain);
}

/**
 * ValueInfoProto: name=1, type=2. TypeProto: tensor_type=1. TypeProto.Tensor: elem_type=1, shape=2.
 * TensorShapeProto: dim=1. Dimension: dim_value=1, dim_param=2.
 */
export function writeValueInfo(w: ProtoWriter, v: ValueInfoProtoMsg): void {
  w.string(1, v.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, v.elemType);
      if (v.dims) {
        const dims = v.dims;
        tensor.message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => (typeof d === "number" ? dim.int(1, d) : dim.string(2, d)));
        });
      }
    }),
  );
}

/** GraphProto: node=1, name=2, initializer=5, input=11, output=12, value_info=13. */
export function writeGraph(w: ProtoWriter, g: GraphProtoMsg): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t));
  for (const i of g.inputs) w.message(11, (m) => writeValueInfo(m, i));
  for (const o of g.outputs) w.message(12, (m) => writeValueInfo(m, o));
  for (const v of g.valueInfo ?? []) w.message(13, (m) => writeValueInfo(m, v));
}

/** ModelProto: ir_version=1, producer_name=2, producer_version=3, graph=7, opset_import=8. */
export function encodeModel(m: ModelProtoMsg): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, m.irVersion);
  if (m.producerName) w.string(2, m.producerName);
  if (m.producerVersion) w.string(3, m.producerVersion);
  w.message(7, (g) => writeGraph(g, m.graph));
  // OperatorSetIdProto: domain = 1, version = 2
  for (const o of m.opsetImports) w.message(8, (s) => s.string(1, o.domain).int(2, o.version));
  return w.finish();
}
