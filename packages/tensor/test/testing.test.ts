import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, allClose, errorOf, maxAbsDiff } from "../src/index.ts";

describe("maxAbsDiff / allClose", () => {
  it("measures the largest absolute difference", () => {
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 2])).toBe(1);
    expect(maxAbsDiff(Tensor.from([1, -2]), Tensor.from([1, -2]))).toBe(0);
    expect(maxAbsDiff([], [])).toBe(0);
  });
  it("treats NaN == NaN as 0, NaN vs number as Infinity, equal infinities as 0", () => {
    expect(maxAbsDiff([NaN, 1], [NaN, 1])).toBe(0);
    expect(maxAbsDiff([NaN], [0])).toBe(Infinity);
    expect(maxAbsDiff([0], [NaN])).toBe(Infinity);
    expect(maxAbsDiff([Infinity, -Infinity], [Infinity, -Infinity])).toBe(0);
    expect(maxAbsDiff([Infinity], [-Infinity])).toBe(Infinity);
  });
  it("throws ShapeError when sizes differ", () => {
    expect(() => maxAbsDiff([1, 2], [1])).toThrow(ShapeError);
    expect(() => allClose([1, 2], [1])).toThrow(/sizes differ/);
  });
  it("allClose uses atol + rtol * |b|", () => {
    expect(allClose([1.000001], [1])).toBe(true); // default atol 1e-5
    expect(allClose([1.1], [1])).toBe(false);
    expect(allClose([101], [100], 0, 0.01)).toBe(true);
    expect(allClose([102], [100], 0, 0.01)).toBe(false);
    expect(allClose([1], [Infinity], 0, 1)).toBe(false);
    expect(allClose([NaN], [NaN])).toBe(true);
  });
});

describe("errorOf", () => {
  it("returns what the call throws, and throws when it does not", () => {
    const e = new ShapeError("x");
    expect(errorOf(() => {
      throw e;
    })).toBe(e);
    expect(() => errorOf(() => 1)).toThrow(/expected the call to throw/);
  });
});
