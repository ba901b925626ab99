import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ArgumentError, SafetensorsError, SafetensorsFile, Tensor, serializeSafetensors, writeSafetensors } from "../src/index.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "safetensors-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const tmp = (name = "t.safetensors") => path.join(dir, `${counter++}-${name}`);

/** A file from a header (object or raw string) and data bytes; `length` overrides the u64 prefix. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), length?: bigint): string {
  const json = Buffer.isBuffer(header) ? header : Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length ?? BigInt(json.length));
  const p = tmp();
  fs.writeFileSync(p, Buffer.concat([prefix, json, data]));
  return p;
}

/** Every dtype with awkward values: NaN/Inf/-0/subnormal floats, int64 past 2^53, bools. */
function everyDtype(): Record<string, Tensor> {
  return {
    f32: Tensor.from([1.5, -0, NaN, Infinity, 1e-40, -3.4e38], [2, 3]),
    f16: new Tensor("float16", [4], Uint16Array.of(0x3c00, 0x7e01, 0x0001, 0xfbff)),
    bf16: new Tensor("bfloat16", [2, 1, 2], Uint16Array.of(0x3f80, 0xff80, 0x7fc1, 0x0001)),
    i64: new Tensor("int64", [3], BigInt64Array.of(-1n, 2n ** 62n + 1n, 0n)),
    i32: new Tensor("int32", [2], Int32Array.of(-2147483648, 2147483647)),
    u8: new Tensor("uint8", [3], Uint8Array.of(0, 128, 255)),
    bool: new Tensor("bool", [2], Uint8Array.of(1, 0)),
    scalar: Tensor.from([42], []),
    empty: Tensor.zeros([0, 5]),
  };
}

function expectSameBits(a: Tensor, b: Tensor): void {
  expect(a.dtype).toBe(b.dtype);
  expect([...a.shape]).toEqual([...b.shape]);
  expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.byteLength))).toBe(true);
}

describe("safetensors round trip", () => {
  it("every dtype survives write -> open -> read bit for bit, with metadata", () => {
    const p = tmp();
    const tensors = everyDtype();
    writeSafetensors(p, tensors, { format: "pt", note: "héllo" });
    const f = SafetensorsFile.open(p);
    expect(f.metadata).toEqual({ format: "pt", note: "héllo" });
    expect(f.names().sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) expectSameBits(f.read(name), t);
    f.close();
    expect(fs.readFileSync(p).equals(serializeSafetensors(tensors, { format: "pt", note: "héllo" }))).toBe(true);
  });

  it("reproduces the Python safetensors 0.8.0 bytes (metadata first, dtype size desc then name, space padding)", () => {
    // from safetensors.numpy.save({...}, metadata={"format": "pt"}) with the arrays below
    const expectedHeader =
      '{"__metadata__":{"format":"pt"},"ids":{"dtype":"I64","shape":[3],"data_offsets":[0,24]},"10":{"dtype":"F32","shape":[1],"data_offsets":[24,28]},' +
      '"w":{"dtype":"F32","shape":[2,2],"data_offsets":[28,44]},"n":{"dtype":"I32","shape":[2],"data_offsets":[44,52]},"h":{"dtype":"F16","shape":[3],"data_offsets":[52,58]},' +
      '"px":{"dtype":"U8","shape":[3],"data_offsets":[58,61]},"m":{"dtype":"BOOL","shape":[3],"data_offsets":[61,64]}}  ';
    const expectedData = "0100000000000000feffffffffffffff005ed0b200000000000000400000c03f000000c00000803e0000404007000000f8ffffff003c00b8ff7b0080ff010001";
    const bytes = serializeSafetensors(
      {
        w: Tensor.from([1.5, -2, 0.25, 3], [2, 2]),
        h: Tensor.fromValues([1, -0.5, 65504], [3], "float16"),
        ids: new Tensor("int64", [3], BigInt64Array.of(1n, -2n, 3000000000n)),
        n: new Tensor("int32", [2], Int32Array.of(7, -8)),
        px: new Tensor("uint8", [3], Uint8Array.of(0, 128, 255)),
        m: new Tensor("bool", [3], Uint8Array.of(1, 0, 1)),
        "10": Tensor.from([2], [1]), // an integer-like name must not jump to the front
      },
      { format: "pt" },
    );
    expect(bytes.length).toBe(496);
    expect(bytes.readBigUInt64LE(0)).toBe(BigInt(expectedHeader.length));
    expect(bytes.subarray(8, 8 + expectedHeader.length).toString()).toBe(expectedHeader);
    expect(bytes.subarray(8 + expectedHeader.length).toString("hex")).toBe(expectedData);
  });

  it("pads the header with spaces to a multiple of 8 and puts bf16 before f16 (alignment order)", () => {
    for (let n = 1; n <= 9; n++) {
      const b = serializeSafetensors({ ["x".repeat(n)]: Tensor.from([1]) });
      const len = Number(b.readBigUInt64LE(0));
      expect(len % 8).toBe(0);
      expect(JSON.parse(b.subarray(8, 8 + len).toString())).toHaveProperty("x".repeat(n));
    }
    const h = serializeSafetensors({ a: Tensor.fromValues([1], [1], "float16"), b: Tensor.fromValues([1], [1], "bfloat16") });
    expect(h.toString().indexOf('"b"')).toBeLessThan(h.toString().indexOf('"a"'));
  });

  it("refuses __metadata__ as a tensor name and non-string metadata", () => {
    expect(() => serializeSafetensors({ __metadata__: Tensor.from([1]) })).toThrow(ArgumentError);
    expect(() => serializeSafetensors({ a: Tensor.from([1]) }, { n: 1 as unknown as string })).toThrow(/must be a string/);
  });
});

describe("SafetensorsFile: lazy, positioned reads", () => {
  it("info gives absolute offsets; reading those bytes from the file gives the tensor", () => {
    const p = tmp();
    const tensors = everyDtype();
    writeSafetensors(p, tensors);
    const f = SafetensorsFile.open(p);
    const file = fs.readFileSync(p);
    for (const name of f.names()) {
      const { byteOffset, byteLength, dtype, shape } = f.info(name);
      expect(dtype).toBe(tensors[name].dtype);
      expect(shape).toEqual([...tensors[name].shape]);
      const t = f.read(name);
      expect(Buffer.from(t.data.buffer, t.data.byteOffset, t.byteLength).equals(file.subarray(byteOffset, byteOffset + byteLength))).toBe(true);
    }
    f.close();
  });

  it("open does not read tensor data: bytes changed on disk after open are what read() returns", () => {
    const p = tmp();
    writeSafetensors(p, { a: Tensor.from([1, 2]), b: Tensor.from([3, 4]) });
    const f = SafetensorsFile.open(p);
    const { byteOffset } = f.info("b");
    const fd = fs.openSync(p, "r+");
    fs.writeSync(fd, Buffer.from(Float32Array.of(30, 40).buffer), 0, 8, byteOffset);
    fs.closeSync(fd);
    expect(f.read("b").toArray()).toEqual([30, 40]);
    expect(f.read("a").toArray()).toEqual([1, 2]);
    f.close();
  });

  it("opens a 3 GiB (sparse) file, too big to read whole, and reads one small tensor from its end", () => {
    const big = 3 * 2 ** 30;
    const header = JSON.stringify({ huge: { dtype: "U8", shape: [big], data_offsets: [0, big] }, tail: { dtype: "F32", shape: [2], data_offsets: [big, big + 8] } });
    const p = rawFile(header);
    const start = 8 + Buffer.byteLength(header);
    const fd = fs.openSync(p, "r+");
    fs.writeSync(fd, Buffer.from(Float32Array.of(-1, 7).buffer), 0, 8, start + big); // extends the file sparsely
    fs.closeSync(fd);
    expect(fs.statSync(p).size).toBe(start + big + 8);
    const f = SafetensorsFile.open(p);
    expect(f.info("huge").byteLength).toBe(big);
    expect(f.read("tail").toArray()).toEqual([-1, 7]);
    f.close();
    fs.rmSync(p);
  });

  it("returns aligned, owned typed arrays even at odd file offsets", () => {
    // u8 [3] at [0, 3) then f32 [2] at [3, 11): the f32 starts at an odd absolute offset
    const header = { a: { dtype: "U8", shape: [3], data_offsets: [0, 3] }, f: { dtype: "F32", shape: [2], data_offsets: [3, 11] } };
    const data = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(Float32Array.of(0.5, -8).buffer)]);
    const f = SafetensorsFile.open(rawFile(header, data));
    const t = f.read("f");
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data.byteOffset).toBe(0);
    expect(t.data.buffer.byteLength).toBe(8);
    expect(t.toArray()).toEqual([0.5, -8]);
    f.close();
  });

  it("unknown tensor names and reads after close are SafetensorsErrors naming file and tensor", () => {
    const p = tmp("named.safetensors");
    writeSafetensors(p, { a: Tensor.from([1]) });
    const f = SafetensorsFile.open(p);
    expect(() => f.read("nope")).toThrow(SafetensorsError);
    expect(() => f.info("nope")).toThrow(/named\.safetensors: tensor "nope": no such tensor/);
    f.close();
    f.close(); // twice is fine
    expect(() => f.read("a")).toThrow(/closed/);
  });
});

type Case = [string, () => string, RegExp, string?];
const T = (dtype: string, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });
const corrupt: Case[] = [
  ["empty file", () => rawFileBytes(Buffer.alloc(0)), /file is 0 bytes, shorter than the 8-byte/],
  ["file shorter than 8 bytes", () => rawFileBytes(Buffer.from([1, 2, 3])), /file is 3 bytes, shorter than the 8-byte/],
  ["header length past end of file", () => rawFile({}, undefined, 1000n), /past the end of the file/],
  ["absurd header length", () => rawFile({}, undefined, 2n ** 62n), /absurdly large/],
  ["header not JSON", () => rawFile("{not json}"), /not valid UTF-8 JSON/],
  ["header not UTF-8", () => rawFile(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])), /not valid UTF-8 JSON/], // {"\xff":1}
  ["header is an array", () => rawFile("[1, 2]"), /must be a JSON object/],
  ["header is a number", () => rawFile("12"), /must be a JSON object/],
  ["entry not an object", () => rawFile({ x: 5 }), /entry must be an object/, "x"],
  ["missing dtype", () => rawFile({ x: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /"dtype"/, "x"],
  ["missing shape", () => rawFile({ x: { dtype: "F32", data_offsets: [0, 4] } }, new Uint8Array(4)), /"shape"/, "x"],
  ["missing data_offsets", () => rawFile({ x: { dtype: "F32", shape: [1] } }, new Uint8Array(4)), /"data_offsets"/, "x"],
  ["shape has a negative", () => rawFile({ x: T("F32", [-1], [0, 4]) }, new Uint8Array(4)), /"shape"/, "x"],
  ["shape is a string", () => rawFile({ x: T("F32", "1", [0, 4]) }, new Uint8Array(4)), /"shape"/, "x"],
  ["offsets are floats", () => rawFile({ x: T("F32", [1], [0, 4.5]) }, new Uint8Array(8)), /"data_offsets"/, "x"],
  ["three offsets", () => rawFile({ x: T("F32", [1], [0, 4, 8]) }, new Uint8Array(8)), /"data_offsets"/, "x"],
  ["unknown dtype", () => rawFile({ x: T("F64", [1], [0, 8]) }, new Uint8Array(8)), /unknown dtype "F64"/, "x"],
  ["end before begin", () => rawFile({ x: T("U8", [0], [4, 0]) }, new Uint8Array(8)), /end before they begin/, "x"],
  ["offsets past the data", () => rawFile({ x: T("F32", [2], [0, 8]) }, new Uint8Array(4)), /past the data section/, "x"],
  ["byte length != numel * size", () => rawFile({ x: T("F32", [3], [0, 8]) }, new Uint8Array(8)), /holds 8 bytes but F32 \[3\] needs 12/, "x"],
  ["overlapping tensors", () => rawFile({ a: T("F32", [2], [0, 8]), b: T("F32", [1], [4, 8]) }, new Uint8Array(8)), /overlap tensor "a"/, "b"],
  ["metadata not strings", () => rawFile({ __metadata__: { n: 1 } }), /__metadata__\["n"\] must be a string/],
];
function rawFileBytes(b: Buffer): string {
  const p = tmp();
  fs.writeFileSync(p, b);
  return p;
}

describe("corrupt files: each is a SafetensorsError naming the file (and tensor)", () => {
  it.each(corrupt)("%s", (_, make, pattern, tensor) => {
    const p = make();
    let err: unknown;
    try {
      SafetensorsFile.open(p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SafetensorsError);
    const se = err as SafetensorsError;
    expect(se.message).toContain(p);
    expect(se.message).toMatch(pattern);
    expect(se.file).toBe(p);
    expect(se.code).toBe("E_SAFETENSORS");
    if (tensor) {
      expect(se.tensor).toBe(tensor);
      expect(se.message).toContain(`"${tensor}"`);
    }
  });

  it("a missing file is a SafetensorsError too", () => {
    expect(() => SafetensorsFile.open(path.join(dir, "missing.safetensors"))).toThrow(/missing\.safetensors: cannot open/);
  });

  it("gaps in the data section and zero-length tensors are allowed", () => {
    const data = Buffer.concat([Buffer.from(Float32Array.of(9).buffer), Buffer.alloc(4), Buffer.from(Float32Array.of(5).buffer)]);
    const f = SafetensorsFile.open(rawFile({ a: T("F32", [1], [0, 4]), e: T("F32", [0], [2, 2]), b: T("F32", [1], [8, 12]) }, data));
    expect(f.read("b").toArray()).toEqual([5]);
    expect(f.read("e").size).toBe(0);
    f.close();
  });
});
