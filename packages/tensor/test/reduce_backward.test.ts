import { describe, expect, it } from "vitest";
import { ArgumentError, ShapeError, Tensor, randNormal, reduceAxes, reduceBackward, seededRng } from "../src/index.ts";
import { expectGrad } from "./grad_expect.ts";

describe.each([
  { shape: [2, 3, 4], axes: [1] },
  { shape: [2, 3, 4], axes: [0, 2] },
  { shape: [2, 3, 4], axes: [-1] },
  { shape: [2, 3, 4], axes: [0, 1, 2] },
  { shape: [2, 1, 4], axes: [1] },
  { shape: [5], axes: [0] },
  { shape: [3, 4], axes: [] },
])("reduceBackward $shape over $axes", ({ shape, axes }) => {
  const x = randNormal(shape, seededRng(shape.length + axes.length * 5));
  for (const kind of ["sum", "mean"] as const) {
    for (const keepDims of [false, true]) {
      it(`${kind}, keepDims ${keepDims}`, () => {
        expectGrad(`${kind} [${shape}] over [${axes}] keepDims ${keepDims}`, ([xx]) => reduceAxes(xx, axes, keepDims, kind), ([xx], g) => [reduceBackward(g, xx.shape, axes, keepDims, kind)], [x]);
      });
    }
  }
});

describe("reduceBackward", () => {
  it("hand values: mean over axis 1 of [2, 3] spreads dout / 3", () => {
    expect(reduceBackward(Tensor.from([3, 6]), [2, 3], [1], false, "mean").toArray()).toEqual([1, 1, 1, 2, 2, 2]);
    expect(reduceBackward(Tensor.from([3, 6], [2, 1]), [2, 3], [1], true, "sum").toArray()).toEqual([3, 3, 3, 6, 6, 6]);
  });
  it("rejects a dout that is not x reduced, and an unknown kind", () => {
    expect(() => reduceBackward(Tensor.zeros([2, 1]), [2, 3], [1], false, "sum")).toThrow(ShapeError);
    expect(() => reduceBackward(Tensor.zeros([2]), [2, 3], [1], false, "max" as "sum")).toThrow(ArgumentError);
    expect(() => reduceBackward(Tensor.zeros([2]), [2, 3], [2], false, "sum")).toThrow(ShapeError);
  });
});
