// Tests for sampling/: greedy, temperature, top-k, top-p and sampleToken (HF warper order).
// Empirical-frequency tests use a fixed seed, so they are deterministic; the chi-square bounds are
// the 99.9% quantiles of the chi-square distribution, and each test also checks that a *wrong*
// distribution would be rejected by the same statistic (so the test can fail).
import { ArgumentError, type Rng, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { applyTemperature, greedy, isGreedy, sampleToken, softmaxProbs, topKFilter, topPFilter } from "../src/index.ts";

const f32 = (xs: number[]) => Float32Array.from(xs);
const kept = (x: Float32Array) => [...x.keys()].filter((i) => x[i] !== -Infinity);
const noRng: Rng = () => {
  throw new Error("rng must not be called");
};

/** Draw n samples and count how often each id appears. */
function counts(logits: Float32Array, options: Parameters<typeof sampleToken>[1], n: number, seed: number): number[] {
  const rng = seededRng(seed);
  const c = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < n; i++) c[sampleToken(logits, options, rng)]++;
  return c;
}

/** Pearson chi-square of observed counts against expected probabilities (zero-probability ids must be unseen). */
function chiSquare(observed: number[], probs: ArrayLike<number>): number {
  const n = observed.reduce((a, b) => a + b, 0);
  let chi = 0;
  for (let i = 0; i < observed.length; i++) {
    if (probs[i] === 0) {
      if (observed[i] > 0) return Infinity;
      continue;
    }
    const e = n * probs[i];
    chi += (observed[i] - e) ** 2 / e;
  }
  return chi;
}

// 99.9% quantiles of chi-square with df degrees of freedom.
const CHI2_999 = { 1: 10.83, 2: 13.82, 4: 18.47 };

describe("greedy", () => {
  it("returns the index of the maximum", () => {
    expect(greedy(f32([0.1, 3, -2, 2.9]))).toBe(1);
  });
  it("breaks ties toward the first maximum", () => {
    expect(greedy(f32([1, 5, 2, 5, 5]))).toBe(1);
  });
  it("handles -Infinity and huge values", () => {
    expect(greedy(f32([-Infinity, -3e38, 3e38, Infinity, -Infinity]))).toBe(3);
    expect(greedy(f32([-Infinity, -Infinity]))).toBe(0);
  });
  it("rejects NaN and empty logits", () => {
    expect(() => greedy(f32([0, NaN]))).toThrow(/logits\[1\] is NaN/);
    expect(() => greedy(new Float32Array(0))).toThrow(ArgumentError);
  });
});

describe("applyTemperature", () => {
  it("divides by t and keeps -Infinity", () => {
    const out = applyTemperature(f32([2, -1, -Infinity]), 0.5);
    expect(Array.from(out)).toEqual([4, -2, -Infinity]);
  });
  it("does not modify its input", () => {
    const x = f32([2, 4]);
    applyTemperature(x, 2);
    expect(Array.from(x)).toEqual([2, 4]);
  });
  it("rejects t <= 0 and non-finite t, naming the argument", () => {
    expect(() => applyTemperature(f32([1]), -1)).toThrow(/temperature/);
    expect(() => applyTemperature(f32([1]), -1)).toThrow(ArgumentError);
    expect(() => applyTemperature(f32([1]), 0)).toThrow(/temperature 0/);
    expect(() => applyTemperature(f32([1]), Infinity)).toThrow(/temperature/);
  });
});

describe("topKFilter", () => {
  const x = f32([1, 5, 3, 2, 4]);
  it("keeps exactly the k largest", () => {
    expect(kept(topKFilter(x, 1))).toEqual([1]);
    expect(kept(topKFilter(x, 2))).toEqual([1, 4]);
    expect(kept(topKFilter(x, 3))).toEqual([1, 2, 4]);
    const out = topKFilter(x, 2);
    expect(out[1]).toBe(5);
    expect(out[4]).toBe(4);
  });
  it("k = 0 and k >= V keep everything", () => {
    expect(kept(topKFilter(x, 0))).toEqual([0, 1, 2, 3, 4]);
    expect(kept(topKFilter(x, 5))).toEqual([0, 1, 2, 3, 4]);
    expect(kept(topKFilter(x, 99))).toEqual([0, 1, 2, 3, 4]);
  });
  it("keeps every token tied with the k-th value (Hugging Face's `< threshold` rule)", () => {
    expect(kept(topKFilter(f32([3, 1, 3, 3]), 2))).toEqual([0, 2, 3]);
  });
  it("works with -Infinity and huge logits", () => {
    expect(kept(topKFilter(f32([-Infinity, 3e38, -3e38, Infinity]), 2))).toEqual([1, 3]);
  });
  it("rejects negative or fractional k, naming topK", () => {
    expect(() => topKFilter(x, -1)).toThrow(/topK/);
    expect(() => topKFilter(x, 1.5)).toThrow(ArgumentError);
  });
});

describe("topPFilter", () => {
  // probabilities 0.15, 0.5, 0.05, 0.3 -> sorted: id1 0.5, id3 0.3, id0 0.15, id2 0.05
  const x = f32([Math.log(0.15), Math.log(0.5), Math.log(0.05), Math.log(0.3)]);
  it("keeps the smallest most-likely set whose mass reaches p", () => {
    expect(kept(topPFilter(x, 0.4))).toEqual([1]);
    expect(kept(topPFilter(x, 0.7))).toEqual([1, 3]);
    expect(kept(topPFilter(x, 0.9))).toEqual([0, 1, 3]);
    expect(kept(topPFilter(x, 0.99))).toEqual([0, 1, 2, 3]);
    expect(kept(topPFilter(x, 1))).toEqual([0, 1, 2, 3]);
  });
  it("always keeps at least the most likely token", () => {
    expect(kept(topPFilter(x, 1e-9))).toEqual([1]);
  });
  it("keeps kept logits unchanged", () => {
    const out = topPFilter(x, 0.7);
    expect(out[1]).toBe(x[1]);
    expect(out[3]).toBe(x[3]);
  });
  it("breaks ties at the boundary toward lower ids; an exact mass of p is enough", () => {
    const flat = f32([0, 0, 0, 0]); // each 0.25, exactly representable
    expect(kept(topPFilter(flat, 0.25))).toEqual([0]);
    expect(kept(topPFilter(flat, 0.3))).toEqual([0, 1]);
    expect(kept(topPFilter(flat, 0.75))).toEqual([0, 1, 2]);
  });
  it("ignores -Infinity tokens and survives huge logits", () => {
    expect(kept(topPFilter(f32([-Infinity, 1e4, 1e4 - 50, -Infinity]), 0.5))).toEqual([1]);
    expect(kept(topPFilter(f32([-Infinity, 0, 0]), 0.6))).toEqual([1, 2]);
  });
  it("rejects p outside (0, 1], naming topP", () => {
    for (const p of [0, -0.1, 1.5, NaN]) expect(() => topPFilter(x, p)).toThrow(/topP/);
  });
});

describe("isGreedy", () => {
  it("is greedy for no options and temperature 0", () => {
    expect(isGreedy({})).toBe(true);
    expect(isGreedy()).toBe(true);
    expect(isGreedy({ temperature: 0 })).toBe(true);
    expect(isGreedy({ temperature: 0, topK: 5, topP: 0.9 })).toBe(true);
  });
  it("samples when any sampling option is set", () => {
    expect(isGreedy({ temperature: 1 })).toBe(false);
    expect(isGreedy({ topK: 5 })).toBe(false);
    expect(isGreedy({ topP: 0.9 })).toBe(false);
  });
  it("validates the options", () => {
    expect(() => isGreedy({ temperature: -1 })).toThrow(/temperature/);
  });
});

describe("sampleToken", () => {
  const logits = f32([1.0, 2.0, 0.5, -1.0, 1.5]);

  it("is greedy without options or with temperature 0, and never calls rng", () => {
    expect(sampleToken(logits, {}, noRng)).toBe(1);
    expect(sampleToken(logits, { temperature: 0, topK: 3 }, noRng)).toBe(1);
  });

  it("calls rng exactly once per sampled token", () => {
    let calls = 0;
    const rng = seededRng(3);
    const counting: Rng = () => (calls++, rng());
    for (let i = 0; i < 10; i++) sampleToken(logits, { temperature: 1, topK: 3, topP: 0.9 }, counting);
    expect(calls).toBe(10);
  });

  it("reproduces with the same seed and differs with another", () => {
    const draw = (seed: number) => {
      const rng = seededRng(seed);
      return Array.from({ length: 200 }, () => sampleToken(logits, { temperature: 1.3 }, rng));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it("matches softmax(logits / t) empirically (chi-square, 20000 draws, fixed seed)", () => {
    const t = 0.7;
    const c = counts(logits, { temperature: t }, 20000, 1234);
    const chi = chiSquare(c, softmaxProbs(applyTemperature(logits, t)));
    const chiWrong = chiSquare(c, softmaxProbs(logits)); // forgetting the temperature
    console.log(`temperature ${t}: counts ${c}, chi2 ${chi.toFixed(2)} (wrong t: ${chiWrong.toFixed(0)})`);
    expect(chi).toBeLessThan(CHI2_999[4]);
    expect(chiWrong).toBeGreaterThan(100);
  });

  it("samples only the top k, in proportion to their renormalized probabilities", () => {
    const c = counts(logits, { topK: 2 }, 20000, 99); // ids 1 (2.0) and 4 (1.5)
    expect([0, 2, 3].map((i) => c[i])).toEqual([0, 0, 0]);
    const p1 = 1 / (1 + Math.exp(-0.5));
    const chi = chiSquare([c[1], c[4]], [p1, 1 - p1]);
    const chiWrong = chiSquare([c[1], c[4]], [0.5, 0.5]);
    expect(chi).toBeLessThan(CHI2_999[1]);
    expect(chiWrong).toBeGreaterThan(100);
  });

  it("applies temperature before top-p (Hugging Face order)", () => {
    // p = [0.6, 0.3, 0.1]. top-p 0.55 on the raw distribution keeps only id 0; at t = 2 the
    // distribution is ~[0.473, 0.334, 0.193], so the nucleus is {0, 1}.
    const x = f32([Math.log(0.6), Math.log(0.3), Math.log(0.1)]);
    expect(kept(topPFilter(x, 0.55))).toEqual([0]);
    const c = counts(x, { temperature: 2, topP: 0.55 }, 20000, 7);
    expect(c[2]).toBe(0);
    const probs = softmaxProbs(topPFilter(applyTemperature(x, 2), 0.55));
    expect(chiSquare(c, probs)).toBeLessThan(CHI2_999[1]);
  });

  it("applies top-k before top-p", () => {
    // top-k 3 keeps ids 1, 4, 0 (renormalized p ~ 0.506, 0.307, 0.186), so top-p 0.75 keeps {1, 4}.
    // The other order would take the nucleus of the full distribution (0.445, 0.270, 0.164, ...),
    // which needs ids {1, 4, 0} to reach 0.75.
    expect(kept(topPFilter(logits, 0.75))).toEqual([0, 1, 4]);
    const c = counts(logits, { topK: 3, topP: 0.75 }, 5000, 11);
    expect(c.map((n) => n > 0)).toEqual([false, true, false, false, true]);
  });

  it("never samples -Infinity tokens", () => {
    const x = f32([-Infinity, 0, -Infinity, 0.5, -Infinity]);
    const c = counts(x, { temperature: 1 }, 5000, 5);
    expect([c[0], c[2], c[4]]).toEqual([0, 0, 0]);
    expect(c[1] > 0 && c[3] > 0).toBe(true);
  });

  it("handles logits that overflow to +Infinity after a tiny temperature", () => {
    // 3e38 / 0.01 overflows float32 to +Infinity: the limit distribution is all mass on that token.
    const c = counts(f32([3e38, 0, -3e38]), { temperature: 0.01 }, 1000, 8);
    expect(c).toEqual([1000, 0, 0]);
    const tie = counts(f32([Infinity, 5, Infinity]), { temperature: 1 }, 2000, 9);
    expect(tie[1]).toBe(0);
    expect(chiSquare(tie, [0.5, 0, 0.5])).toBeLessThan(CHI2_999[1]);
  });

  it("a temperature so small that logits / t overflow float32 behaves as greedy, not uniform", () => {
    // 1 / 1e-39 and 2 / 1e-39 are both +Infinity in float32: divided naively, tokens 0 and 1 would be
    // drawn half the time each. Shifted by the max first, token 1 gets all the mass.
    for (const t of [1e-39, 1e-45, Number.MIN_VALUE]) {
      const c = counts(f32([1, 2, -3, 0.5]), { temperature: t }, 500, 31);
      expect(c).toEqual([0, 500, 0, 0]);
      expect(Array.from(applyTemperature(f32([1, 2, -3]), t))).toEqual([-Infinity, 0, -Infinity]);
    }
    // Close logits with a small (not overflowing) t keep the plain quotient.
    expect(Array.from(applyTemperature(f32([1, 2]), 1e-30))).toEqual([Math.fround(1e30), Math.fround(2e30)]);
    // top-k and top-p after an overflowing temperature still keep the argmax.
    expect(counts(f32([1, 2, 1.5]), { temperature: 1e-40, topK: 2, topP: 0.9 }, 200, 32)).toEqual([0, 200, 0]);
    // Exact ties with the maximum stay a fair draw (the t -> 0 limit), other tokens never appear.
    const tie = counts(f32([3, 1, 3]), { temperature: 1e-40 }, 2000, 33);
    expect(tie[1]).toBe(0);
    expect(chiSquare(tie, [0.5, 0, 0.5])).toBeLessThan(CHI2_999[1]);
  });

  it("samples ties uniformly", () => {
    const c = counts(f32([2, 2, 2, -5]), { temperature: 1 }, 30000, 21);
    const probs = softmaxProbs(f32([2, 2, 2, -5]));
    expect(chiSquare(c, probs)).toBeLessThan(CHI2_999[4]);
  });

  it("throws when every logit is -Infinity", () => {
    expect(() => sampleToken(f32([-Infinity, -Infinity]), { temperature: 1 }, seededRng(0))).toThrow(/every logit is -Infinity/);
  });

  it("validates options, naming the bad argument", () => {
    const rng = seededRng(0);
    expect(() => sampleToken(logits, { temperature: -0.5 }, rng)).toThrow(/temperature/);
    expect(() => sampleToken(logits, { topK: -1 }, rng)).toThrow(/topK/);
    expect(() => sampleToken(logits, { topK: 2.5 }, rng)).toThrow(/topK/);
    expect(() => sampleToken(logits, { topP: 0 }, rng)).toThrow(/topP/);
    expect(() => sampleToken(logits, { topP: 1.01 }, rng)).toThrow(/topP/);
    expect(() => sampleToken(logits, { topP: 1.01 }, rng)).toThrow(ArgumentError);
    expect(() => sampleToken(f32([0, NaN]), { topK: 1 }, rng)).toThrow(/NaN/);
  });
});
