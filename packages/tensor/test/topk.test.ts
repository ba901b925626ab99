import { describe, expect, it } from "vitest";
import { ArgumentError, Tensor, randNormal, seededRng, topk } from "../src/index.ts";
import { expectShape } from "./expect_close.ts";

describe("topk", () => {
  it("hand values, sorted descending, int32 indices", () => {
    const { values, indices } = topk(Tensor.from([1, 9, 3, 7, 5]), 3);
    expect(values.toArray()).toEqual([9, 7, 5]);
    expect(indices.toArray()).toEqual([1, 3, 4]);
    expect(indices.dtype).toBe("int32");
  });
  it("ties go to the lower index first", () => {
    const { values, indices } = topk(Tensor.from([2, 5, 2, 5, 2]), 5);
    expect(values.toArray()).toEqual([5, 5, 2, 2, 2]);
    expect(indices.toArray()).toEqual([1, 3, 0, 2, 4]);
    expect(topk(Tensor.from([-Infinity, -Infinity, 0]), 3).indices.toArray()).toEqual([2, 0, 1]);
  });
  it("NaN counts as the largest", () => {
    expect(topk(Tensor.from([1, NaN, 3]), 2).indices.toArray()).toEqual([1, 2]);
  });
  it("works along a non-last axis and matches a full sort on random rows", () => {
    const x = randNormal([4, 6, 3], seededRng(61));
    const { values, indices } = topk(x, 2, 1);
    expectShape(values, [4, 2, 3]);
    for (let i = 0; i < 4; i++)
      for (let k = 0; k < 3; k++) {
        const col = [...Array(6).keys()].map((j) => ({ j, v: x.get(i, j, k) })).sort((a, b) => b.v - a.v);
        expect([values.get(i, 0, k), values.get(i, 1, k)]).toEqual([col[0].v, col[1].v]);
        expect([indices.get(i, 0, k), indices.get(i, 1, k)]).toEqual([col[0].j, col[1].j]);
      }
  });
  it("k = 0 and k = n are fine; k > n and fractional k throw ArgumentError", () => {
    expectShape(topk(Tensor.zeros([2, 3]), 0).values, [2, 0]);
    expectShape(topk(Tensor.zeros([2, 3]), 3).indices, [2, 3]);
    expect(() => topk(Tensor.zeros([2, 3]), 4)).toThrow(ArgumentError);
    expect(() => topk(Tensor.zeros([2, 3]), 1.5)).toThrow(/k must be an integer in \[0, 3\]/);
  });
});
