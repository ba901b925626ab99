// Tests for losses/cross_entropy_backward.ts: finite differences for every reduction with ignored
// rows, hand values (softmax - onehot), extreme logits, all rows ignored, argument errors.
import { ArgumentError, ShapeError, Tensor, mul, randNormal, seededRng, softmax } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { type CrossEntropyOptions, crossEntropy, crossEntropyBackward } from "../src/index.ts";
import { expectGrad } from "./grad_expect.ts";

/** crossEntropy as a tensor: [] for mean/sum, [N] for none. */
function ceTensor(logits: Tensor, targets: number[], options: CrossEntropyOptions): Tensor {
  const v = crossEntropy(logits, targets, options);
  return typeof v === "number" ? Tensor.from([v], []) : Tensor.from(v, [targets.length]);
}

describe.each([
  { N: 4, V: 5, targets: [0, 4, 2, 2], options: {} },
  { N: 4, V: 5, targets: [0, -100, 2, -100], options: { reduction: "mean" } },
  { N: 4, V: 5, targets: [1, -100, 3, 0], options: { reduction: "sum" } },
  { N: 3, V: 6, targets: [5, 7, 1], options: { reduction: "none", ignoreIndex: 7 } },
  { N: 1, V: 1, targets: [0], options: {} }, // one class: loss 0, gradient 0
  { N: 2, V: 3, targets: [2, 0], options: { reduction: "sum" }, scale: 6 }, // confident logits
] as { N: number; V: number; targets: number[]; options: CrossEntropyOptions; scale?: number }[])("crossEntropyBackward N $N V $V targets $targets $options", ({ N, V, targets, options, scale }) => {
  it("matches finite differences", () => {
    const logits = randNormal([N, V], seededRng(N * 10 + V), scale ?? 2);
    expectGrad(`crossEntropy ${JSON.stringify(options)} targets ${JSON.stringify(targets)}`, ([x]) => ceTensor(x, targets, options), ([x], g) => {
      const dloss = options.reduction === "none" ? g.toArray() : g.item();
      return [crossEntropyBackward(x, targets, options, dloss)];
    }, [logits]);
  });
});

describe("crossEntropyBackward", () => {
  it("is (softmax - onehot) / N for the mean; rows sum to 0; ignored rows are 0", () => {
    const logits = randNormal([3, 4], seededRng(3));
    const d = crossEntropyBackward(logits, [1, -100, 3]);
    const p = softmax(logits).toArray();
    const expected = p.map((v, i) => {
      const [n, j] = [Math.floor(i / 4), i % 4];
      if (n === 1) return 0;
      return (v - (j === [1, -100, 3][n] ? 1 : 0)) / 2;
    });
    expect(Math.max(...d.toArray().map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-7);
    for (let n = 0; n < 3; n++) expect(Math.abs(d.toArray().slice(4 * n, 4 * n + 4).reduce((a, b) => a + b, 0))).toBeLessThan(1e-7);
  });
  it("stays finite at logits ~1e4 (the max-shifted logsumexp); a dloss scales it", () => {
    const d = crossEntropyBackward(Tensor.from([1e4, 0, -1e4, 1e4 - 1], [1, 4]), [1], { reduction: "sum" }, 2).toArray();
    const p0 = 1 / (1 + Math.exp(-1));
    expect(d.every(Number.isFinite)).toBe(true);
    expect(Math.max(...d.map((v, i) => Math.abs(v - 2 * [p0, -1, 0, 1 - p0][i])))).toBeLessThan(1e-6);
  });
  it("every row ignored: the mean loss is NaN but the gradient is 0 (as in PyTorch)", () => {
    expect(crossEntropy(Tensor.zeros([2, 3]), [-100, -100])).toBeNaN();
    expect(crossEntropyBackward(Tensor.zeros([2, 3]), [-100, -100]).toArray()).toEqual([0, 0, 0, 0, 0, 0]);
  });
  it("rejects bad targets, shapes, reductions and dloss, naming the function", () => {
    const x = Tensor.zeros([2, 3]);
    expect(() => crossEntropyBackward(x, [0, 3])).toThrow(/crossEntropyBackward: targets\[1\] = 3/);
    expect(() => crossEntropyBackward(x, [0])).toThrow(ShapeError);
    expect(() => crossEntropyBackward(x, [0, 1], { reduction: "avg" as "mean" })).toThrow(ArgumentError);
    expect(() => crossEntropyBackward(x, [0, 1], { reduction: "none" }, [1])).toThrow(/dloss/);
    expect(() => crossEntropyBackward(x, [0, 1], {}, [1, 1])).toThrow(/dloss must be a number/);
    expect(crossEntropyBackward(mul(x, 1), [0, 1], { reduction: "none" }).shape).toEqual([2, 3]);
  });
});
