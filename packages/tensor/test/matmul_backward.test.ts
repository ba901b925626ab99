import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, matmul, matmulBackward, randNormal, seededRng } from "../src/index.ts";
import { expectGrad } from "./grad_expect.ts";

// Leading axes broadcast either way, length-1 M/K/N, a batch on one side only.
const MATMUL: [number[], number[]][] = [
  [[3, 4], [4, 5]],
  [[2, 3, 4], [4, 5]],
  [[3, 4], [2, 4, 5]],
  [[2, 1, 3, 4], [3, 4, 2]],
  [[1, 4], [2, 4, 1]],
  [[1, 1], [1, 1]],
  [[2, 1, 1, 3], [1, 2, 3, 1]],
];

describe.each(MATMUL)("matmulBackward %j @ %j", (aShape, bShape) => {
  it("matches finite differences, gradients summed back to each input's shape", () => {
    const rng = seededRng(aShape.length * 7 + bShape[0]);
    const a = randNormal(aShape, rng);
    const b = randNormal(bShape, rng);
    expectGrad(`matmul [${aShape}] @ [${bShape}]`, ([x, y]) => matmul(x, y), ([x, y], g) => {
      const { da, db } = matmulBackward(g, x, y);
      return [da, db];
    }, [a, b]);
  });
});

describe("matmulBackward edge cases", () => {
  it("hand values: [1, 2] @ [2, 1]", () => {
    const { da, db } = matmulBackward(Tensor.from([1], [1, 1]), Tensor.from([2, 3], [1, 2]), Tensor.from([5, 7], [2, 1]));
    expect(da.toArray()).toEqual([5, 7]);
    expect(db.toArray()).toEqual([2, 3]);
  });
  it("rejects a dout of the wrong shape and non-matrices", () => {
    expect(() => matmulBackward(Tensor.zeros([3, 3]), Tensor.zeros([3, 4]), Tensor.zeros([4, 5]))).toThrow(/dout is \[3, 3\].*\[3, 5\]/);
    expect(() => matmulBackward(Tensor.zeros([3]), Tensor.zeros([3]), Tensor.zeros([3]))).toThrow(ShapeError);
  });
});
