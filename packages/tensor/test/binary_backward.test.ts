import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, add, addBackward, div, divBackward, mul, mulBackward, randNormal, randUniform, seededRng, sub, subBackward, unbroadcast } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";
import { expectGrad } from "./grad_expect.ts";

// Broadcasting cases: same shape, scalar, length-1 axes on either side, missing leading axes.
const CASES: [number[], number[]][] = [
  [[3, 4], [3, 4]],
  [[2, 3, 4], []],
  [[4, 1, 3], [5, 1]],
  [[1], [2, 3]],
  [[2, 1, 4], [1, 3, 1]],
  [[1, 1], [1, 1]],
];

describe("unbroadcast", () => {
  it("sums over stretched and missing axes (hand values)", () => {
    const g = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(unbroadcast(g, [3]).toArray()).toEqual([5, 7, 9]);
    expect(unbroadcast(g, [2, 1]).toArray()).toEqual([6, 15]);
    expect(unbroadcast(g, []).toArray()).toEqual([21]);
    expect(unbroadcast(g, [2, 3]).toArray()).toEqual([1, 2, 3, 4, 5, 6]);
  });
  it("rejects a shape that does not broadcast to the gradient", () => {
    expect(() => unbroadcast(Tensor.zeros([2, 3]), [4])).toThrow(ShapeError);
  });
});

describe.each(CASES)("binary backward a %j, b %j", (aShape, bShape) => {
  const rng = seededRng(aShape.length * 10 + bShape.length);
  const a = randNormal(aShape, rng);
  const b = randUniform(bShape, rng, 0.5, 2); // away from 0 for div
  const label = `[${aShape}] op [${bShape}]`;
  it("add", () => {
    expectGrad(`add ${label}`, ([x, y]) => add(x, y), ([x, y], g) => Object.values(addBackward(g, x.shape, y.shape)), [a, b]);
  });
  it("sub", () => {
    expectGrad(`sub ${label}`, ([x, y]) => sub(x, y), ([x, y], g) => Object.values(subBackward(g, x.shape, y.shape)), [a, b]);
  });
  it("mul", () => {
    expectGrad(`mul ${label}`, ([x, y]) => mul(x, y), ([x, y], g) => Object.values(mulBackward(g, x, y)), [a, b]);
  });
  it("div", () => {
    expectGrad(`div ${label}`, ([x, y]) => div(x, y), ([x, y], g) => Object.values(divBackward(g, x, y)), [a, b]);
  });
});

describe("binary backward edge cases", () => {
  it("hand values: mul and div of [2] by a scalar", () => {
    const g = Tensor.from([1, 1]);
    const { da, db } = divBackward(g, Tensor.from([2, 4]), Tensor.fromValues([2], [], "float32"));
    expectClose(da, [0.5, 0.5], 0, "d(a/b)/da");
    expectClose(db, [-(2 + 4) / 4], 0, "d(a/b)/db");
    expect(mulBackward(g, Tensor.from([2, 4]), Tensor.fromValues([3], [], "float32")).db.toArray()).toEqual([6]);
  });
  it("rejects a dout of the wrong shape", () => {
    expect(() => addBackward(Tensor.zeros([3, 4]), [3, 1], [1, 5])).toThrow(/addBackward.*\[3, 5\]/);
    expect(() => mulBackward(Tensor.zeros([2]), Tensor.zeros([3]), Tensor.zeros([3]))).toThrow(ShapeError);
  });
});
