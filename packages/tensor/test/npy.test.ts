/**
 * npy.test.ts — the .npy reader and the .npz (zip) reader: NumPy's real files from the mask-decoder
 * fixture (written by numpy itself), and hand-built files for every header variant the format allows
 * (versions 1-3, big-endian, Fortran order, scalars, bool/int/float16/float64), plus the errors.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { NpyError, parseNpyHeader, parseNpz, readNpy, readNpz } from "../src/index.ts";

const FIXTURE = fileURLToPath(new URL("../../../fixtures/vqvae-random/", import.meta.url));
const golden = JSON.parse(readFileSync(`${FIXTURE}golden.json`, "utf8")) as { codes: number[][]; mask_shape: number[]; mask_mean: number; mask_absmax: number; keys: Record<string, number[]> };

/** A .npy file built by hand: magic, version, header dict padded to 64 bytes, then `data`. */
function npy(descr: string, shape: number[], data: Uint8Array, opts: { fortran?: boolean; version?: 1 | 2 | 3 } = {}): Uint8Array {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let dict = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? "True" : "False"}, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  dict += " ".repeat(63 - ((pre + dict.length) % 64)) + "\n";
  const head = new TextEncoder().encode(dict);
  const out = new Uint8Array(pre + head.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, head.length, true);
  else dv.setUint32(8, head.length, true);
  out.set(head, pre);
  out.set(data, pre + head.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe("readNpy", () => {
  it("reads numpy's own files: codes.npy (int32 [3, 16]) and masks64.npy (float32 [3, 64, 64])", () => {
    const codes = readNpy(new Uint8Array(readFileSync(`${FIXTURE}codes.npy`)), "codes.npy");
    expect(codes.dtype).toBe("int32");
    expect([...codes.shape]).toEqual([3, 16]);
    expect(Array.from(codes.data as Int32Array)).toEqual(golden.codes.flat());
    const masks = readNpy(new Uint8Array(readFileSync(`${FIXTURE}masks64.npy`)));
    expect([...masks.shape]).toEqual(golden.mask_shape);
    const v = masks.toFloat32();
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const absmax = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
    console.log(`masks64: mean ${mean} (golden ${golden.mask_mean}), absmax ${absmax} (golden ${golden.mask_absmax})`);
    expect(Math.abs(mean - golden.mask_mean)).toBeLessThan(1e-6);
    expect(absmax).toBe(Math.fround(golden.mask_absmax));
  });

  it("little- and big-endian float32, Fortran order, versions 2 and 3 give the same row-major tensor", () => {
    const values = [1, 2, 3, 4, 5, 6.5]; // [2, 3] row-major
    const le = npy("<f4", [2, 3], bytesOf(Float32Array.from(values)));
    const be = new Uint8Array(24);
    values.forEach((x, i) => new DataView(be.buffer).setFloat32(i * 4, x, false));
    const colMajor = [1, 4, 2, 5, 3, 6.5]; // the same matrix stored column by column
    for (const [label, bytes] of [["<f4", le], [">f4", npy(">f4", [2, 3], be)], ["fortran", npy("<f4", [2, 3], bytesOf(Float32Array.from(colMajor)), { fortran: true })], ["v2", npy("<f4", [2, 3], bytesOf(Float32Array.from(values)), { version: 2 })], ["v3", npy("<f4", [2, 3], bytesOf(Float32Array.from(values)), { version: 3 })]] as const) {
      const t = readNpy(bytes, label);
      expect([...t.shape], label).toEqual([2, 3]);
      expect(t.toArray(), label).toEqual(values);
    }
    const f3 = readNpy(npy("<i4", [2, 2, 2], bytesOf(Int32Array.from([0, 4, 2, 6, 1, 5, 3, 7])), { fortran: true })); // x[i,j,k] = 4i + 2j + k
    expect(Array.from(f3.data as Int32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(parseNpyHeader(le).dataOffset % 64).toBe(0);
  });

  it("maps dtypes: bool, uint8, int8/int16 -> int32, int64, float16 bits, float64 -> float32; a scalar has shape ()", () => {
    expect(Array.from(readNpy(npy("|b1", [3], Uint8Array.from([1, 0, 1]))).data as Uint8Array)).toEqual([1, 0, 1]);
    expect(readNpy(npy("|b1", [3], Uint8Array.from([1, 0, 1]))).dtype).toBe("bool");
    expect(readNpy(npy("|u1", [2], Uint8Array.from([7, 255]))).toArray()).toEqual([7, 255]);
    const i8 = readNpy(npy("|i1", [2], Uint8Array.from([0xff, 5])));
    expect([i8.dtype, ...i8.toArray()]).toEqual(["int32", -1, 5]);
    expect(readNpy(npy("<i2", [1], bytesOf(Int16Array.from([-300])))).toArray()).toEqual([-300]);
    const i64 = readNpy(npy("<i8", [2], bytesOf(BigInt64Array.from([-2n, 2n ** 40n]))));
    expect([i64.dtype, ...Array.from(i64.data as BigInt64Array)]).toEqual(["int64", -2n, 2n ** 40n]);
    const half = readNpy(npy("<f2", [2], bytesOf(Uint16Array.from([0x3c00, 0xc000])))); // 1, -2
    expect([half.dtype, ...half.toArray()]).toEqual(["float16", 1, -2]);
    const f64 = readNpy(npy("<f8", [2], bytesOf(Float64Array.from([0.1, -1e300]))));
    expect([f64.dtype, ...f64.toArray()]).toEqual(["float32", Math.fround(0.1), -Infinity]);
    const scalar = readNpy(npy("<f4", [], bytesOf(Float32Array.from([42]))));
    expect([...scalar.shape]).toEqual([]);
    expect(scalar.toArray()).toEqual([42]);
    expect(readNpy(npy("<f4", [0, 3], new Uint8Array(0))).size).toBe(0);
  });

  it("refuses what it cannot read, naming the file", () => {
    expect(() => readNpy(new TextEncoder().encode("PK not numpy at all"), "x.npy")).toThrow(/x\.npy: not a \.npy file/);
    expect(() => readNpy(npy("<c8", [1], new Uint8Array(8)), "c.npy")).toThrow(/c\.npy: unsupported dtype '<c8'/);
    expect(() => readNpy(npy("|O", [1], new Uint8Array(8)), "o.npy")).toThrow(NpyError);
    expect(() => readNpy(npy("<f4", [4], new Uint8Array(8)), "short.npy")).toThrow(/short\.npy: shape \(4\) of '<f4' needs 16 data bytes, the file has 8/);
    const v9 = npy("<f4", [1], new Uint8Array(4));
    v9[6] = 9;
    expect(() => readNpy(v9, "v9.npy")).toThrow(/unsupported \.npy version 9/);
  });
});

describe("readNpz", () => {
  it("reads the fixture decoder: every name and shape golden.json lists, float32", () => {
    const arrays = readNpz(`${FIXTURE}vae-random.npz`);
    expect([...arrays.keys()].sort()).toEqual(Object.keys(golden.keys).sort());
    for (const [name, shape] of Object.entries(golden.keys)) {
      expect([...arrays.get(name)!.shape], name).toEqual(shape);
      expect(arrays.get(name)!.dtype).toBe("float32");
    }
  });

  it("stored and deflated members (np.savez vs np.savez_compressed) read the same", () => {
    const a = npy("<f4", [2], bytesOf(Float32Array.from([1.5, -2])));
    const b = npy("<i8", [1], bytesOf(BigInt64Array.from([7n])));
    for (const level of [0, 6] as const) {
      const arrays = parseNpz(zipSync({ "a.npy": a, "nested.name.npy": b }, { level }), `level${level}.npz`);
      expect([...arrays.keys()]).toEqual(["a", "nested.name"]);
      expect(arrays.get("a")!.toArray()).toEqual([1.5, -2]);
      expect(Array.from(arrays.get("nested.name")!.data as BigInt64Array)).toEqual([7n]);
    }
  });

  it("refuses a file that is not a zip, a member that is not .npy, and an empty archive", () => {
    expect(() => parseNpz(new TextEncoder().encode("not a zip"), "bad.npz")).toThrow(/bad\.npz: not a readable \.npz/);
    expect(() => parseNpz(zipSync({ "readme.txt": new Uint8Array(3) }), "m.npz")).toThrow(/m\.npz: member 'readme\.txt' is not a \.npy array/);
    expect(() => parseNpz(zipSync({}), "empty.npz")).toThrow(/no \.npy arrays/);
    expect(() => parseNpz(zipSync({ "x.npy": new Uint8Array(4) }), "z.npz")).toThrow(/z\.npz:x\.npy: not a \.npy file/);
  });
});
