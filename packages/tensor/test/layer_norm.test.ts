import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, layerNorm, randNormal, seededRng } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";

function slowLayerNorm(x: Tensor, w: Tensor | null, b: Tensor | null, eps: number): number[] {
  const D = x.shape[x.rank - 1];
  const v = x.toArray();
  const out: number[] = [];
  for (let r = 0; r < v.length / D; r++) {
    const row = v.slice(r * D, (r + 1) * D);
    const mu = row.reduce((s, a) => s + a, 0) / D;
    const variance = row.reduce((s, a) => s + (a - mu) * (a - mu), 0) / D; // biased
    row.forEach((a, i) => out.push(((a - mu) / Math.sqrt(variance + eps)) * (w ? w.get(i) : 1) + (b ? b.get(i) : 0)));
  }
  return out;
}

describe("layerNorm", () => {
  it("hand values: [1, 2, 3] has mean 2 and biased variance 2/3", () => {
    const s = Math.sqrt(2 / 3 + 1e-5);
    expectClose(layerNorm(Tensor.from([1, 2, 3]), null, null), [-1 / s, 0, 1 / s], 1e-6, "ln 123");
    const y = layerNorm(Tensor.from([1, 2, 3]), Tensor.from([2, 2, 2]), Tensor.from([1, 1, 1]), 0);
    expectClose(y, [1 - 2 * Math.sqrt(1.5), 1, 1 + 2 * Math.sqrt(1.5)], 1e-6, "ln affine");
  });
  it("matches the slow formula on random [2, 3, 32] with weight and bias, bf16 weight accepted", () => {
    const rng = seededRng(21);
    const x = randNormal([2, 3, 32], rng, 4, 1);
    const w = randNormal([32], rng).to("bfloat16");
    const b = randNormal([32], rng);
    expectClose(layerNorm(x, w, b, 1e-6), slowLayerNorm(x, w, b, 1e-6), 1e-5, "ln random");
  });
  it("a length-1 last axis normalizes to the bias; a constant row does not divide by zero", () => {
    expect(layerNorm(Tensor.from([5, -3], [2, 1]), Tensor.from([9]), Tensor.from([0.5])).toArray()).toEqual([0.5, 0.5]);
    expect(layerNorm(Tensor.from([7, 7, 7]), null, null).toArray()).toEqual([0, 0, 0]);
  });
  it("rejects a weight of the wrong size", () => {
    expect(() => layerNorm(Tensor.zeros([2, 4]), Tensor.zeros([3]), null)).toThrow(ShapeError);
    expect(() => layerNorm(Tensor.zeros([2, 4]), null, Tensor.zeros([5]))).toThrow(/bias must be \[4\]/);
  });
});
