import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, numel, stridesOf } from "../src/index.ts";

const t23 = () => Tensor.from([0, 1, 2, 3, 4, 5], [2, 3]);

describe("Tensor basics", () => {
  it("numel and row-major strides", () => {
    expect(numel([])).toBe(1);
    expect(numel([2, 0, 3])).toBe(0);
    expect(stridesOf([2, 3, 4])).toEqual([12, 4, 1]);
  });
  it("rejects data that does not fit the shape", () => {
    expect(() => new Tensor("float32", [2, 2], new Float32Array(3))).toThrow(ShapeError);
    expect(() => new Tensor("float32", [-1], new Float32Array(0))).toThrow(/invalid dimension/);
  });
  it("get / item index row-major, negative indices from the end", () => {
    const t = t23();
    expect(t.get(1, 2)).toBe(5);
    expect(t.get(-1, 0)).toBe(3);
    expect(() => t.get(2, 0)).toThrow(ShapeError);
    expect(Tensor.from([7], []).item()).toBe(7);
    expect(Tensor.fromValues([1.5, -2], [2], "bfloat16").get(1)).toBe(-2);
  });
});

describe("reshape / view", () => {
  it("shares storage: a write through the view shows in the original", () => {
    const t = t23();
    const v = t.reshape([3, 2]);
    expect(v.data).toBe(t.data);
    (v.data as Float32Array)[5] = 42;
    expect(t.get(1, 2)).toBe(42);
    expect(t.view([6]).data).toBe(t.data);
  });
  it("infers one -1 dimension and rejects bad shapes", () => {
    expect([...t23().reshape([-1, 2]).shape]).toEqual([3, 2]);
    expect([...t23().reshape([1, -1]).shape]).toEqual([1, 6]);
    expect(() => t23().reshape([4, -1])).toThrow(/cannot view/);
    expect(() => t23().reshape([-1, -1])).toThrow(/at most one -1/);
  });
});

describe("permute / transpose", () => {
  it("transpose of [2, 3] matches hand values and copies", () => {
    const t = t23();
    const tt = t.transpose();
    expect([...tt.shape]).toEqual([3, 2]);
    expect(tt.toArray()).toEqual([0, 3, 1, 4, 2, 5]);
    expect(tt.data).not.toBe(t.data);
  });
  it("permute of a rank-3 tensor moves every element where the formula says", () => {
    const t = Tensor.arange(24).reshape([2, 3, 4]);
    const p = t.permute([2, 0, 1]); // out[k, i, j] = t[i, j, k]
    expect([...p.shape]).toEqual([4, 2, 3]);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(p.get(k, i, j)).toBe(t.get(i, j, k));
    expect(t.transpose(0, 2).get(3, 1, 0)).toBe(t.get(0, 1, 3));
  });
  it("works on int64 and rejects bad axes", () => {
    const t = new Tensor("int64", [2, 2], BigInt64Array.from([1n, 2n, 3n, 4n]));
    expect(Array.from(t.transpose().data as BigInt64Array)).toEqual([1n, 3n, 2n, 4n]);
    expect(() => t.permute([0, 0])).toThrow(/repeat/);
    expect(() => t.permute([0])).toThrow(ShapeError);
  });
});

describe("slice", () => {
  it("along axis 0 is a view sharing storage", () => {
    const t = t23();
    const s = t.slice(0, 1, 2);
    expect(s.toArray()).toEqual([3, 4, 5]);
    (s.data as Float32Array)[0] = -1;
    expect(t.get(1, 0)).toBe(-1);
  });
  it("along other axes copies the right columns; negative bounds count from the end", () => {
    const t = t23();
    expect(t.slice(1, 1).toArray()).toEqual([1, 2, 4, 5]);
    expect(t.slice(-1, 0, -1).toArray()).toEqual([0, 1, 3, 4]);
    expect([...t.slice(1, 1, 1).shape]).toEqual([2, 0]);
    expect(() => t.slice(1, 2, 5)).toThrow(/out of range/);
  });
});

describe("concat", () => {
  it("along axis 0 and axis 1", () => {
    const a = t23();
    const b = Tensor.from([6, 7, 8], [1, 3]);
    expect(Tensor.concat([a, b], 0).toArray()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const c = Tensor.from([9, 10], [2, 1]);
    const ac = Tensor.concat([a, c], -1);
    expect([...ac.shape]).toEqual([2, 4]);
    expect(ac.toArray()).toEqual([0, 1, 2, 9, 3, 4, 5, 10]);
  });
  it("rejects mismatched shapes and dtypes", () => {
    expect(() => Tensor.concat([t23(), Tensor.from([1, 2], [1, 2])], 0)).toThrow(ShapeError);
    expect(() => Tensor.concat([t23(), t23().to("bfloat16")], 0)).toThrow(/dtype/);
    expect(() => Tensor.concat([], 0)).toThrow(/no tensors/);
  });
});

describe("gather", () => {
  it("is an embedding lookup along axis 0 and a column pick along axis 1", () => {
    const e = t23();
    expect(e.gather([1, 0, 1]).toArray()).toEqual([3, 4, 5, 0, 1, 2, 3, 4, 5]);
    expect(e.gather(Int32Array.of(2, 0), 1).toArray()).toEqual([2, 0, 5, 3]);
    expect(() => e.gather([2])).toThrow(/out of range/);
  });
  it("keeps bf16 bits exactly", () => {
    const e = Tensor.fromValues([1, 2, 3, 4], [2, 2], "bfloat16");
    const g = e.gather([1]);
    expect(g.dtype).toBe("bfloat16");
    expect(Array.from(g.data as Uint16Array)).toEqual(Array.from((e.data as Uint16Array).subarray(2)));
  });
});

describe("to / toString", () => {
  it("converts dtypes, rounding to nearest even", () => {
    expect(Tensor.from([1 + 2 ** -9]).to("bfloat16").toArray()).toEqual([1]);
    expect(Tensor.from([2.7, -2.7]).to("int32").toArray()).toEqual([2, -2]);
  });
  it("prints like NumPy / PyTorch", () => {
    expect(Tensor.from([1, -2.5, 0.125, 3], [2, 2]).toString()).toBe(
      "tensor([[ 1.0000, -2.5000],\n        [ 0.1250,  3.0000]], dtype=float32, shape=[2, 2])",
    );
    expect(Tensor.from([5], []).toString()).toBe("tensor(5.0000, dtype=float32, shape=[])");
    expect(new Tensor("int32", [3], Int32Array.of(1, 20, 3)).toString()).toBe("tensor([ 1, 20,  3], dtype=int32, shape=[3])");
    expect(Tensor.from([NaN, Infinity, 1e-6]).toString()).toBe("tensor([      nan,       inf, 1.0000e-6], dtype=float32, shape=[3])");
  });
  it("summarizes large tensors with ...", () => {
    const s = Tensor.arange(2000).toString();
    expect(s).toContain("...");
    expect(s).toContain("1999.0000");
    expect(s).not.toContain("1000.0000");
  });
});
