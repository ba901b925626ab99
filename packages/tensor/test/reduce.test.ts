import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, argmax, max, mean, randNormal, seededRng, sum } from "../src/index.ts";
import { expectClose, expectShape } from "./expect_close.ts";

const x = () => Tensor.from([1, 5, 3, 4, 2, 6], [2, 3]);

describe("sum / mean / max / argmax", () => {
  it("hand values along each axis", () => {
    expect(sum(x(), 0).toArray()).toEqual([5, 7, 9]);
    expect(sum(x(), 1).toArray()).toEqual([9, 12]);
    expect(mean(x(), -1).toArray()).toEqual([3, 4]);
    expect(max(x(), 0).toArray()).toEqual([4, 5, 6]);
    expect(argmax(x()).toArray()).toEqual([1, 2]);
    expect(argmax(x(), 0).toArray()).toEqual([1, 0, 1]);
    expect(argmax(x()).dtype).toBe("int32");
  });
  it("axis undefined reduces everything to shape []", () => {
    const s = sum(x());
    expectShape(s, []);
    expect(s.item()).toBe(21);
    expect(mean(x()).item()).toBe(3.5);
    expect(max(x()).item()).toBe(6);
    expectShape(sum(x(), undefined, true), [1, 1]);
  });
  it("keepdims keeps a size-1 axis; length-1 axes reduce to themselves", () => {
    expectShape(sum(x(), 1, true), [2, 1]);
    expectShape(argmax(x(), 0, true), [1, 3]);
    const c = Tensor.from([3, -1], [2, 1]);
    expect(max(c, 1).toArray()).toEqual([3, -1]);
    expect(argmax(c, 1).toArray()).toEqual([0, 0]);
  });
  it("argmax picks the first of tied maxima; NaN wins max and argmax", () => {
    expect(argmax(Tensor.from([2, 7, 7, 1])).item()).toBe(1);
    expect(argmax(Tensor.from([-Infinity, -Infinity])).item()).toBe(0);
    expect(argmax(Tensor.from([1, NaN, 9])).item()).toBe(1);
    expect(Number.isNaN(max(Tensor.from([1, NaN, 9])).item())).toBe(true);
  });
  it("matches slow loops on random [3, 4, 5] along the middle axis", () => {
    const t = randNormal([3, 4, 5], seededRng(51));
    const ref = { sum: [] as number[], max: [] as number[], arg: [] as number[] };
    for (let i = 0; i < 3; i++)
      for (let k = 0; k < 5; k++) {
        const col = [0, 1, 2, 3].map((j) => t.get(i, j, k));
        ref.sum.push(col.reduce((a, b) => a + b, 0));
        ref.max.push(Math.max(...col));
        ref.arg.push(col.indexOf(Math.max(...col)));
      }
    expectClose(sum(t, 1), ref.sum, 1e-6, "sum");
    expectClose(mean(t, 1), ref.sum.map((v) => v / 4), 1e-6, "mean");
    expectClose(max(t, 1), ref.max, 0, "max");
    expect(argmax(t, 1).toArray()).toEqual(ref.arg);
  });
  it("empty axes: sum 0, mean NaN, max/argmax throw; bad axis throws", () => {
    const e = Tensor.zeros([2, 0]);
    expect(sum(e, 1).toArray()).toEqual([0, 0]);
    expect(Number.isNaN(mean(e, 1).get(0))).toBe(true);
    expect(() => max(e, 1)).toThrow(/empty/);
    expect(() => argmax(e)).toThrow(ShapeError);
    expect(() => sum(x(), 2)).toThrow(/out of range/);
  });
});
