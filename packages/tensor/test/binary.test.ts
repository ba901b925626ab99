import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, add, broadcastShapes, div, mul, randNormal, seededRng, sub } from "../src/index.ts";
import { expectClose, expectShape } from "./expect_close.ts";

describe("broadcastShapes", () => {
  it("follows NumPy rules", () => {
    expect(broadcastShapes([4, 1, 3], [5, 1])).toEqual([4, 5, 3]);
    expect(broadcastShapes([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes([2, 1], [1])).toEqual([2, 1]);
    expect(broadcastShapes([1, 0], [3, 1])).toEqual([3, 0]);
    expect(() => broadcastShapes([2, 3], [4])).toThrow(ShapeError);
    expect(() => broadcastShapes([2, 3], [4])).toThrow(/\[2, 3\] and \[4\]/);
  });
});

describe("add / sub / mul / div", () => {
  it("hand-computed values, same shape and scalar", () => {
    const a = Tensor.from([1, 2, 3, 4], [2, 2]);
    const b = Tensor.from([10, 20, 30, 40], [2, 2]);
    expect(add(a, b).toArray()).toEqual([11, 22, 33, 44]);
    expect(sub(a, b).toArray()).toEqual([-9, -18, -27, -36]);
    expect(mul(a, b).toArray()).toEqual([10, 40, 90, 160]);
    expect(div(b, a).toArray()).toEqual([10, 10, 10, 10]);
    expect(add(a, 1).toArray()).toEqual([2, 3, 4, 5]);
    expect(div(a, 0).toArray()).toEqual([Infinity, Infinity, Infinity, Infinity]);
  });
  it("broadcasts a row, a column and a scalar tensor", () => {
    const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(add(a, Tensor.from([10, 20, 30])).toArray()).toEqual([11, 22, 33, 14, 25, 36]);
    expect(mul(a, Tensor.from([1, -1], [2, 1])).toArray()).toEqual([1, 2, 3, -4, -5, -6]);
    expect(sub(Tensor.from([1], []), a).toArray()).toEqual([0, -1, -2, -3, -4, -5]);
    const outer = mul(Tensor.from([1, 2], [2, 1]), Tensor.from([1, 10, 100], [1, 3])); // both stretch
    expectShape(outer, [2, 3]);
    expect(outer.toArray()).toEqual([1, 10, 100, 2, 20, 200]);
  });
  it("matches an independent per-element formula on random [4,1,3] op [5,1]", () => {
    const rng = seededRng(1);
    const a = randNormal([4, 1, 3], rng);
    const b = randNormal([5, 1], rng);
    const y = div(a, b);
    expectShape(y, [4, 5, 3]);
    const ref: number[] = [];
    for (let i = 0; i < 4; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 3; k++) ref.push(Math.fround(a.get(i, 0, k) / b.get(j, 0)));
    expectClose(y, ref, 0, "div broadcast");
  });
  it("accepts bf16 input and returns float32", () => {
    const y = add(Tensor.fromValues([1.5, 2], [2], "bfloat16"), 1);
    expect(y.dtype).toBe("float32");
    expect(y.toArray()).toEqual([2.5, 3]);
  });
  it("names the op and both shapes on a mismatch", () => {
    expect(() => add(Tensor.zeros([2, 3]), Tensor.zeros([2]))).toThrow(/add: cannot broadcast shapes \[2, 3\] and \[2\]/);
  });
});
