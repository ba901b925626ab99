// Tests for losses/cross_entropy.ts: hand values, reductions, ignoreIndex, stability at logits ~1e4,
// agreement with the naive -log(softmax) formula, argument errors.
import { ArgumentError, ShapeError, Tensor, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { crossEntropy } from "../src/index.ts";

/** -log(exp(x_y) / sum_j exp(x_j)) in float64, no max-shift: correct only for moderate logits. */
function naive(row: number[], y: number): number {
  const z = row.reduce((s, v) => s + Math.exp(v), 0);
  return -Math.log(Math.exp(row[y]) / z);
}

describe("crossEntropy", () => {
  it("matches a hand-computed value", () => {
    // logits [1, 2, 3], target 2: log(e + e^2 + e^3) - 3 = log(1 + e^-1 + e^-2)
    const loss = crossEntropy(Tensor.from([1, 2, 3], [1, 3]), [2]);
    expect(loss).toBeCloseTo(Math.log(1 + Math.exp(-1) + Math.exp(-2)), 6); // 0.407606
  });

  it("uniform logits give log V", () => {
    expect(crossEntropy(Tensor.zeros([3, 7]), [0, 3, 6])).toBeCloseTo(Math.log(7), 6);
  });

  it("reductions: none, sum, mean", () => {
    const logits = Tensor.from([0, 1, 2, 5, 0, -1], [2, 3]);
    const targets = [1, 0];
    const per = crossEntropy(logits, targets, { reduction: "none" });
    const expected = [naive([0, 1, 2], 1), naive([5, 0, -1], 0)];
    expect(per).toBeInstanceOf(Float32Array);
    expect(per[0]).toBeCloseTo(expected[0], 6);
    expect(per[1]).toBeCloseTo(expected[1], 6);
    expect(crossEntropy(logits, targets, { reduction: "sum" })).toBeCloseTo(expected[0] + expected[1], 6);
    expect(crossEntropy(logits, targets, { reduction: "mean" })).toBeCloseTo((expected[0] + expected[1]) / 2, 6);
    expect(crossEntropy(logits, targets)).toBeCloseTo((expected[0] + expected[1]) / 2, 6);
  });

  it("ignoreIndex rows count for nothing (default -100)", () => {
    const logits = Tensor.from([0, 1, 2, 5, 0, -1, 3, 3, 3], [3, 3]);
    const per = crossEntropy(logits, [1, -100, 2], { reduction: "none" });
    expect(per[1]).toBe(0);
    const mean = crossEntropy(logits, [1, -100, 2]);
    expect(mean).toBeCloseTo((naive([0, 1, 2], 1) + Math.log(3)) / 2, 6); // divided by 2 rows, not 3
    // A custom ignoreIndex that is also a valid class id.
    expect(crossEntropy(logits, [1, 0, 0], { ignoreIndex: 0 })).toBeCloseTo(naive([0, 1, 2], 1), 6);
  });

  it("mean over all-ignored rows is NaN (PyTorch's 0/0), sum is 0", () => {
    const logits = Tensor.zeros([2, 4]);
    expect(crossEntropy(logits, [-100, -100])).toBeNaN();
    expect(crossEntropy(logits, [-100, -100], { reduction: "sum" })).toBe(0);
  });

  it("is stable for logits around 1e4 (the naive formula overflows)", () => {
    const big = [1e4, 1e4 - 1, 1e4 - 2];
    const loss = crossEntropy(Tensor.from(big, [1, 3]), [0]) as number;
    const exact = Math.log(1 + Math.exp(-1) + Math.exp(-2));
    console.log(`logits ~1e4: loss ${loss}, |diff| vs exact ${Math.abs(loss - exact).toExponential(2)}`);
    expect(Math.abs(loss - exact)).toBeLessThan(1e-6);
    expect(Number.isFinite(naive(big, 0))).toBe(false); // exp(1e4) = Infinity
    const neg = crossEntropy(Tensor.from([-1e4, -1e4 + 2], [1, 2]), [0]) as number;
    expect(Math.abs(neg - Math.log(1 + Math.exp(2)))).toBeLessThan(1e-6);
  });

  it("handles -Infinity logits: 0 mass off the target, infinite loss on it", () => {
    const logits = Tensor.from([0, -Infinity, 0, 0, -Infinity, 1], [2, 3]);
    const per = crossEntropy(logits, [0, 1], { reduction: "none" });
    expect(per[0]).toBeCloseTo(Math.log(2), 6);
    expect(per[1]).toBe(Infinity);
  });

  it("equals the naive formula on random inputs (max |diff| < 1e-5)", () => {
    const rng = seededRng(17);
    const N = 8;
    const V = 10;
    const logits = randNormal([N, V], rng, 3);
    const targets = Array.from({ length: N }, () => Math.floor(rng() * V));
    const per = crossEntropy(logits, targets, { reduction: "none" });
    const x = logits.toArray();
    let maxDiff = 0;
    for (let n = 0; n < N; n++) maxDiff = Math.max(maxDiff, Math.abs(per[n] - naive(x.slice(n * V, (n + 1) * V), targets[n])));
    console.log(`crossEntropy vs naive: max |diff| ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThan(1e-5);
  });

  it("accepts bfloat16 logits (widened to float32)", () => {
    const logits = Tensor.fromValues([1, 2, 3], [1, 3], "bfloat16"); // 1, 2, 3 are exact in bf16
    expect(crossEntropy(logits, [2])).toBeCloseTo(Math.log(1 + Math.exp(-1) + Math.exp(-2)), 6);
  });

  it("rejects bad shapes, targets and reductions", () => {
    expect(() => crossEntropy(Tensor.from([1, 2, 3]), [0])).toThrow(ShapeError);
    expect(() => crossEntropy(Tensor.zeros([2, 3]), [0])).toThrow(/1 targets for 2 rows/);
    expect(() => crossEntropy(Tensor.zeros([2, 3]), [0, 3])).toThrow(/targets\[1\] = 3/);
    expect(() => crossEntropy(Tensor.zeros([1, 3]), [-1])).toThrow(ArgumentError);
    expect(() => crossEntropy(Tensor.zeros([1, 3]), [0.5])).toThrow(ArgumentError);
    expect(() => crossEntropy(Tensor.zeros([1, 3]), [0], { reduction: "avg" as "mean" })).toThrow(/reduction/);
  });
});
