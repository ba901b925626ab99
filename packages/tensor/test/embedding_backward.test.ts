import { describe, expect, it } from "vitest";
import { ArgumentError, ShapeError, Tensor, embedding, embeddingBackward, randNormal, seededRng } from "../src/index.ts";
import { expectGrad } from "./grad_expect.ts";

describe("embeddingBackward", () => {
  it("hand values: a repeated id accumulates, an unused row stays 0", () => {
    const dout = Tensor.from([1, 2, 10, 20, 100, 200], [1, 3, 2]); // [B=1, T=3, D=2]
    const d = embeddingBackward(dout, [[2, 0, 2]], 4);
    expect(d.shape).toEqual([4, 2]);
    expect(d.toArray()).toEqual([10, 20, 0, 0, 101, 202, 0, 0]);
  });
  it.each([
    { ids: [[0, 3, 3, 1], [3, 3, 0, 2]], V: 5, D: 3 },
    { ids: [[1]], V: 2, D: 1 },
    { ids: [[4, 4, 4]], V: 6, D: 4 },
  ])("matches finite differences (ids $ids, V $V, D $D)", ({ ids, V, D }) => {
    const table = randNormal([V, D], seededRng(V * 10 + D));
    expectGrad(`embedding ids ${JSON.stringify(ids)}`, ([t]) => embedding(ids, t), (_x, g) => [embeddingBackward(g, ids, V)], [table]);
  });
  it("rejects ids outside the table and a dout of the wrong shape", () => {
    expect(() => embeddingBackward(Tensor.zeros([1, 2, 3]), [[0, 5]], 5)).toThrow(ArgumentError);
    expect(() => embeddingBackward(Tensor.zeros([1, 3, 3]), [[0, 1]], 5)).toThrow(ShapeError);
    expect(() => embeddingBackward(Tensor.zeros([1, 2, 3]), [[0, 1]], -1)).toThrow(/vocab/);
  });
});
