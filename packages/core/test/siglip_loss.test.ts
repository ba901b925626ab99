// Tests for losses/siglip_loss.ts: softplus / log-sigmoid, a hand-computed 2x2 batch, alignment
// vs shuffling, stability at large t, symmetry, agreement with a naive float64 formula.
import { ArgumentError, ShapeError, Tensor, logSigmoid, randNormal, seededRng, softplus } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { siglipLoss } from "../src/index.ts";

/** Naive SigLIP loss in float64 (Algorithm 1 with log(1 / (1 + exp(-x)))): overflows for large logits. */
function naiveSiglip(img: number[][], txt: number[][], t: number, b: number): number {
  const norm = (v: number[]) => v.map((x) => x / Math.hypot(...v));
  const I = img.map(norm);
  const T = txt.map(norm);
  const N = I.length;
  let sum = 0;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      const logit = t * I[i].reduce((s, x, d) => s + x * T[j][d], 0) + b;
      const z = i === j ? 1 : -1;
      sum += Math.log(1 / (1 + Math.exp(-z * logit)));
    }
  }
  return -sum / N;
}

const rows = (t: Tensor) => Array.from({ length: t.shape[0] }, (_, i) => t.toArray().slice(i * t.shape[1], (i + 1) * t.shape[1]));
const eye2 = Tensor.from([1, 0, 0, 1], [2, 2]);
const swap2 = Tensor.from([0, 1, 1, 0], [2, 2]);

describe("softplus / logSigmoid", () => {
  it("match the definitions and stay finite at the extremes", () => {
    expect(softplus(0)).toBeCloseTo(Math.log(2), 12);
    expect(softplus(2)).toBeCloseTo(Math.log(1 + Math.exp(2)), 12);
    expect(softplus(-2)).toBeCloseTo(Math.log(1 + Math.exp(-2)), 12);
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    const ls = logSigmoid(Tensor.from([-1000, 3, 1000])).toArray();
    expect(ls[0]).toBe(-1000);
    expect(ls[1]).toBeCloseTo(Math.log(1 / (1 + Math.exp(-3))), 6);
    expect(ls[2]).toBe(-0);
  });
});

describe("siglipLoss", () => {
  it("matches a hand computation on a 2x2 batch (divided by N, not N^2)", () => {
    // t = 10, b = -10 (the paper's initialization): logits = [[0, -10], [-10, 0]]
    // diagonal (z = +1): -log sigmoid(0) = log 2;  off-diagonal (z = -1): -log sigmoid(10) = log(1 + e^-10)
    // loss = (2 log 2 + 2 log(1 + e^-10)) / 2
    const { loss, logits } = siglipLoss(eye2, eye2, 10, -10);
    expect(loss).toBeCloseTo(Math.log(2) + Math.log(1 + Math.exp(-10)), 7);
    expect(logits.toArray()).toEqual([0, -10, -10, 0]);
  });

  it("matches a hand computation with non-orthogonal embeddings", () => {
    // I = [[1,0],[0,1]], T = [[1,1],[0,1]]: cos = [[s, 0], [s, 1]], s = 1/sqrt(2); t = 2, b = -1
    const s = Math.SQRT1_2;
    const L = [[2 * s - 1, -1], [2 * s - 1, 1]];
    const sp = (x: number) => Math.log(1 + Math.exp(x));
    const expected = (sp(-L[0][0]) + sp(L[0][1]) + sp(L[1][0]) + sp(-L[1][1])) / 2;
    expect(siglipLoss(eye2, Tensor.from([1, 1, 0, 1], [2, 2]), 2, -1).loss).toBeCloseTo(expected, 6);
  });

  it("aligned pairs have lower loss than shuffled pairs", () => {
    const rng = seededRng(5);
    const img = randNormal([6, 16], rng);
    const noisy = Tensor.from(img.toArray().map((v) => v + 0.1 * (rng() - 0.5)), [6, 16]);
    const shuffled = noisy.gather([1, 2, 3, 4, 5, 0]);
    const aligned = siglipLoss(img, noisy, 10, -10).loss;
    const wrong = siglipLoss(img, shuffled, 10, -10).loss;
    console.log(`SigLIP loss aligned ${aligned.toFixed(4)} vs shuffled ${wrong.toFixed(4)}`);
    expect(aligned).toBeLessThan(wrong);
  });

  it("is finite and exact for a large t (the naive formula overflows)", () => {
    const t = 1e4;
    // swapped pairs, b = 0: logits [[0, t], [t, 0]]; diagonal log 2 each, off-diagonal softplus(t) = t each
    const { loss } = siglipLoss(eye2, swap2, t, 0);
    expect(Math.abs(loss - (Math.log(2) + t))).toBeLessThan(1e-9 * t);
    expect(Number.isFinite(naiveSiglip(rows(eye2), rows(swap2), t, 0))).toBe(false);
    // matched pairs with b = -t/2: every logit is +-t/2 on the right side, loss ~ 0
    expect(siglipLoss(eye2, eye2, t, -t / 2).loss).toBe(0);
  });

  it("is symmetric under swapping image and text embeddings", () => {
    const rng = seededRng(8);
    const a = randNormal([5, 4], rng);
    const b = randNormal([5, 4], rng);
    expect(Math.abs(siglipLoss(a, b, 7.5, -3).loss - siglipLoss(b, a, 7.5, -3).loss)).toBeLessThan(1e-6);
  });

  it("equals the naive float64 formula on random inputs (|diff| < 1e-5)", () => {
    const rng = seededRng(29);
    for (const [N, D, t, b] of [[4, 8, 1, 0], [6, 5, 10, -10], [3, 32, 5.5, 2]]) {
      const img = randNormal([N, D], rng);
      const txt = randNormal([N, D], rng);
      const got = siglipLoss(img, txt, t, b).loss;
      const want = naiveSiglip(rows(img), rows(txt), t, b);
      console.log(`SigLIP N=${N} D=${D} t=${t} b=${b}: ${got} vs naive ${want}, |diff| ${Math.abs(got - want).toExponential(2)}`);
      expect(Math.abs(got - want)).toBeLessThan(1e-5);
    }
  });

  it("rejects mismatched batches, bad t or b, and zero embeddings", () => {
    expect(() => siglipLoss(eye2, Tensor.from([1, 0], [1, 2]), 1, 0)).toThrow(ShapeError);
    expect(() => siglipLoss(eye2, eye2, 0, 0)).toThrow(/siglipLoss: the logit scale t/);
    expect(() => siglipLoss(eye2, eye2, 1, Infinity)).toThrow(/bias/);
    expect(() => siglipLoss(eye2, Tensor.from([1, 0, 0, 0], [2, 2]), 1, 0)).toThrow(ArgumentError);
  });
});
