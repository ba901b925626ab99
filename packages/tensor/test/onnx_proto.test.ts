/**
 * onnx_proto.test.ts — the protobuf writer: exact bytes for small known messages, and a tiny
 * test-only reader that decodes whole models back into fields.
 */
import { describe, expect, it } from "vitest";
import { ProtoWriter, encodeModel, writeTensor, writeAttribute, writeValueInfo, OnnxDataType } from "../src/onnx/onnx_proto.ts";

/** A test-only protobuf reader: field number -> list of raw values (bigint, number or bytes). */
type Field = { field: number; wire: number; value: bigint | number | Uint8Array };
function read(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let p = 0;
  const varint = (): bigint => {
    let r = 0n;
    let shift = 0n;
    for (;;) {
      const b = bytes[p++];
      r |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return r;
    }
  };
  while (p < bytes.length) {
    const tag = Number(varint());
    const field = tag >> 3;
    const wire = tag & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 2) {
      const n = Number(varint());
      out.push({ field, wire, value: bytes.subarray(p, p + n) });
      p += n;
    } else if (wire === 5) {
      out.push({ field, wire, value: new DataView(bytes.buffer, bytes.byteOffset + p, 4).getFloat32(0, true) });
      p += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}
const get = (fs: Field[], field: number) => fs.filter((f) => f.field === field).map((f) => f.value);
const str = (v: unknown) => new TextDecoder().decode(v as Uint8Array);
const sub = (v: unknown) => read(v as Uint8Array);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("ProtoWriter wire format", () => {
  it("varints: 7 bits per byte, little end first; negatives are 10-byte two's complement", () => {
    const enc = (v: number | bigint) => hex(new ProtoWriter().varint(v).finish());
    expect(enc(0)).toBe("00");
    expect(enc(1)).toBe("01");
    expect(enc(127)).toBe("7f");
    expect(enc(128)).toBe("8001");
    expect(enc(300)).toBe("ac02"); // the protobuf docs' example
    expect(enc(2 ** 40)).toBe("808080808020");
    expect(enc(-1)).toBe("ffffffffffffffffff01");
    expect(enc(-2n)).toBe("feffffffffffffffff01");
  });

  it("tags, fixed32 floats, length-delimited strings and nested messages", () => {
    // field 1 varint 150 = 08 96 01 (protobuf docs); field 2 float 1.0 = 15 0000803f; field 3 "hi" = 1a 02 6869
    const w = new ProtoWriter().int(1, 150).float(2, 1).string(3, "hi");
    w.message(4, (m) => m.int(1, 5)); // 22 02 08 05
    expect(hex(w.finish())).toBe("089601" + "150000803f" + "1a026869" + "22020805");
  });

  it("large byte chunks are kept by reference until finish()", () => {
    const big = new Uint8Array(100_000).fill(7);
    const bytes = new ProtoWriter().bytes(9, big).finish();
    expect(bytes.length).toBe(1 + 3 + 100_000); // tag, 3-byte varint length, payload
    expect(bytes[4]).toBe(7);
    expect(bytes[bytes.length - 1]).toBe(7);
  });
});

describe("ONNX messages", () => {
  it("TensorProto with raw_data: dims=1, data_type=2, name=8, raw_data=9 (exact bytes)", () => {
    const w = new ProtoWriter();
    writeTensor(w, { name: "w", dataType: OnnxDataType.FLOAT, dims: [2], rawData: new Uint8Array(new Float32Array([1, 2]).buffer) });
    expect(hex(w.finish())).toBe("0802" + "1001" + "420177" + "4a08" + "0000803f" + "00000040");
  });

  it("TensorProto with external data: location/offset/length entries (13) and data_location=EXTERNAL (14)", () => {
    const w = new ProtoWriter();
    writeTensor(w, { name: "w", dataType: OnnxDataType.FLOAT, dims: [3, 4], external: { location: "weights.bin", offset: 100, length: 48 } });
    const f = read(w.finish());
    expect(get(f, 1)).toEqual([3n, 4n]);
    expect(get(f, 9)).toEqual([]); // no raw_data
    const kv = get(f, 13).map((e) => sub(e)).map((e) => [str(get(e, 1)[0]), str(get(e, 2)[0])]);
    expect(kv).toEqual([["location", "weights.bin"], ["offset", "100"], ["length", "48"]]);
    expect(get(f, 14)).toEqual([1n]);
  });

  it("AttributeProto: each kind sets its value field and type=20", () => {
    const attr = (value: Parameters<typeof writeAttribute>[1]["value"]) => {
      const w = new ProtoWriter();
      writeAttribute(w, { name: "a", value });
      return read(w.finish());
    };
    expect(get(attr({ type: "float", value: 0.5 }), 2)).toEqual([0.5]);
    expect(get(attr({ type: "float", value: 0.5 }), 20)).toEqual([1n]); // FLOAT
    expect(get(attr({ type: "int", value: -1 }), 3)).toEqual([BigInt.asUintN(64, -1n)]);
    expect(get(attr({ type: "int", value: -1 }), 20)).toEqual([2n]); // INT
    expect(str(get(attr({ type: "string", value: "tanh" }), 4)[0])).toBe("tanh");
    expect(get(attr({ type: "ints", value: [0, 2, 1] }), 8)).toEqual([0n, 2n, 1n]);
    expect(get(attr({ type: "ints", value: [0, 2, 1] }), 20)).toEqual([7n]); // INTS
    expect(get(attr({ type: "floats", value: [1, 0.25] }), 7)).toEqual([1, 0.25]);
    expect(get(attr({ type: "floats", value: [1, 0.25] }), 20)).toEqual([6n]); // FLOATS
    const t = attr({ type: "tensor", value: { name: "", dataType: OnnxDataType.INT64, dims: [1], rawData: new Uint8Array(8) } });
    expect(get(sub(get(t, 5)[0]), 2)).toEqual([7n]);
    expect(get(t, 20)).toEqual([4n]); // TENSOR
  });

  it("ValueInfoProto: fixed dims -> dim_value (1), symbolic dims -> dim_param (2)", () => {
    const w = new ProtoWriter();
    writeValueInfo(w, { name: "x", elemType: OnnxDataType.FLOAT, dims: ["batch", 3] });
    const f = read(w.finish());
    expect(str(get(f, 1)[0])).toBe("x");
    const tensorType = sub(get(sub(get(f, 2)[0]), 1)[0]); // TypeProto.tensor_type
    expect(get(tensorType, 1)).toEqual([1n]); // elem_type FLOAT
    const dims = get(sub(get(tensorType, 2)[0]), 1).map(sub);
    expect(str(get(dims[0], 2)[0])).toBe("batch");
    expect(get(dims[1], 1)).toEqual([3n]);
  });

  it("ModelProto: ir_version, graph with a node, opset imports incl. com.microsoft (decoded back)", () => {
    const bytes = encodeModel({
      irVersion: 10,
      producerName: "paligemma-ts",
      opsetImports: [{ domain: "", version: 23 }, { domain: "com.microsoft", version: 1 }],
      graph: {
        name: "g",
        nodes: [{ opType: "Softmax", name: "n0", inputs: ["x"], outputs: ["y"], attributes: [{ name: "axis", value: { type: "int", value: 1 } }] }],
        initializers: [],
        inputs: [{ name: "x", elemType: OnnxDataType.FLOAT, dims: [1, 4] }],
        outputs: [{ name: "y", elemType: OnnxDataType.FLOAT }],
      },
    });
    const m = read(bytes);
    expect(m.map((f) => f.field)).toEqual([1, 2, 7, 8, 8]); // field-number order
    expect(get(m, 1)).toEqual([10n]);
    const opsets = get(m, 8).map(sub).map((o) => [str(get(o, 1)[0]), get(o, 2)[0]]);
    expect(opsets).toEqual([["", 23n], ["com.microsoft", 1n]]);
    const g = sub(get(m, 7)[0]);
    expect(str(get(g, 2)[0])).toBe("g");
    const node = sub(get(g, 1)[0]);
    expect([str(get(node, 1)[0]), str(get(node, 2)[0]), str(get(node, 3)[0]), str(get(node, 4)[0])]).toEqual(["x", "y", "n0", "Softmax"]);
    expect(get(g, 11).length).toBe(1);
    expect(get(g, 12).length).toBe(1);
    // An output without dims has a TypeProto.Tensor with elem_type only (no shape field 2).
    const outType = sub(get(sub(get(sub(get(g, 12)[0]), 2)[0]), 1)[0]);
    expect(outType.map((f) => f.field)).toEqual([1]);
  });
});
