import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, linear, matmul, randNormal, seededRng, add } from "../src/index.ts";
import { expectClose, expectShape } from "./expect_close.ts";

describe("linear", () => {
  it("y = x W^T + b by hand, W stored [out, in]", () => {
    const x = Tensor.from([1, 2, 3], [1, 3]);
    const w = Tensor.from([1, 0, 0, 0, 1, 1], [2, 3]); // out 0 = x0, out 1 = x1 + x2
    expect(linear(x, w, Tensor.from([10, 20])).toArray()).toEqual([11, 25]);
    expect(linear(x, w).toArray()).toEqual([1, 5]);
    expect(linear(x, w, null).toArray()).toEqual([1, 5]);
  });
  it("matches matmul(x, W^T) + b on random [2, 5, 8] -> 6, and keeps leading dims", () => {
    const rng = seededRng(3);
    const x = randNormal([2, 5, 8], rng);
    const w = randNormal([6, 8], rng);
    const b = randNormal([6], rng);
    const y = linear(x, w, b);
    expectShape(y, [2, 5, 6]);
    expectClose(y, add(matmul(x, w.transpose()), b), 1e-5, "linear vs matmul");
  });
  it("bf16 weights give the same result as their f32 values", () => {
    const rng = seededRng(4);
    const x = randNormal([3, 4], rng);
    const w = randNormal([2, 4], rng).to("bfloat16");
    expectClose(linear(x, w), linear(x, w.to("float32")), 0, "bf16 weight");
  });
  it("rejects a wrong in_features, a non-matrix weight and a wrong bias", () => {
    expect(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))).toThrow(/in_features 5/);
    expect(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([3]))).toThrow(ShapeError);
    expect(() => linear(Tensor.zeros([2, 3]), Tensor.zeros([4, 3]), Tensor.zeros([3]))).toThrow(/bias must be \[4\]/);
  });
});
