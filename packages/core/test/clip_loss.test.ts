// Tests for losses/clip_loss.ts: a hand-computed 2x2 batch, alignment vs shuffling, stability at
// large t, symmetry under swapping image and text, agreement with a naive float64 formula.
import { ArgumentError, ShapeError, Tensor, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { clipLoss } from "../src/index.ts";

const lse = (xs: number[]) => Math.log(xs.reduce((s, v) => s + Math.exp(v), 0));

/** Naive CLIP loss in float64: normalize, dot, -log softmax in both directions, no max-shift. */
function naiveClip(img: number[][], txt: number[][], t: number): number {
  const norm = (v: number[]) => v.map((x) => x / Math.hypot(...v));
  const I = img.map(norm);
  const T = txt.map(norm);
  const N = I.length;
  const L = I.map((a) => T.map((b) => t * a.reduce((s, x, d) => s + x * b[d], 0)));
  let rows = 0;
  let cols = 0;
  for (let i = 0; i < N; i++) {
    rows += -Math.log(Math.exp(L[i][i]) / L[i].reduce((s, v) => s + Math.exp(v), 0));
    const col = L.map((r) => r[i]);
    cols += -Math.log(Math.exp(L[i][i]) / col.reduce((s, v) => s + Math.exp(v), 0));
  }
  return (rows / N + cols / N) / 2;
}

const rows = (t: Tensor) => Array.from({ length: t.shape[0] }, (_, i) => t.toArray().slice(i * t.shape[1], (i + 1) * t.shape[1]));

describe("clipLoss", () => {
  it("matches a hand computation on a 2x2 batch", () => {
    // I = [[1,0],[0,1]], T = [[1,1],[0,1]] -> T_hat = [[s,s],[0,1]], s = 1/sqrt(2)
    // logits = t * [[s, 0], [s, 1]]  (t = 1)
    // image rows:  row0 target 0: lse(s, 0) - s ;  row1 target 1: lse(s, 1) - 1
    // text columns: col0 = [s, s] target 0: log 2 ;  col1 = [0, 1] target 1: lse(0, 1) - 1
    const s = Math.SQRT1_2;
    const expected = ((lse([s, 0]) - s + lse([s, 1]) - 1) / 2 + (Math.log(2) + lse([0, 1]) - 1) / 2) / 2;
    const { loss, logits } = clipLoss(Tensor.from([1, 0, 0, 1], [2, 2]), Tensor.from([1, 1, 0, 1], [2, 2]), 1);
    expect(loss).toBeCloseTo(expected, 6);
    logits.toArray().forEach((v, i) => expect(v).toBeCloseTo([s, 0, s, 1][i], 6));
  });

  it("orthonormal matching pairs give log(1 + e^-t) per direction", () => {
    const { loss } = clipLoss(Tensor.from([1, 0, 0, 1], [2, 2]), Tensor.from([2, 0, 0, 3], [2, 2]), 10);
    expect(loss).toBeCloseTo(Math.log(1 + Math.exp(-10)), 8);
  });

  it("aligned pairs have lower loss than shuffled pairs", () => {
    const rng = seededRng(5);
    const img = randNormal([6, 16], rng);
    const noisy = Tensor.from(img.toArray().map((v) => v + 0.1 * (rng() - 0.5)), [6, 16]);
    const shuffled = noisy.gather([1, 2, 3, 4, 5, 0]);
    const aligned = clipLoss(img, noisy, 20).loss;
    const wrong = clipLoss(img, shuffled, 20).loss;
    console.log(`CLIP loss aligned ${aligned.toFixed(4)} vs shuffled ${wrong.toFixed(4)}`);
    expect(aligned).toBeLessThan(wrong);
    expect(aligned).toBeLessThan(0.1);
  });

  it("is finite and exact for a large t (the naive formula overflows)", () => {
    const t = 1e4;
    // swapped pairs: logits [[0, t], [t, 0]]; each row/column loss = lse(0, t) - 0 = t + log(1 + e^-t)
    const { loss } = clipLoss(Tensor.from([1, 0, 0, 1], [2, 2]), Tensor.from([0, 1, 1, 0], [2, 2]), t);
    expect(Math.abs(loss - t)).toBeLessThan(1e-6 * t);
    expect(Number.isFinite(naiveClip([[1, 0], [0, 1]], [[0, 1], [1, 0]], t))).toBe(false);
    const good = clipLoss(Tensor.from([1, 0, 0, 1], [2, 2]), Tensor.from([1, 0, 0, 1], [2, 2]), t).loss;
    expect(good).toBe(0); // log(1 + e^-1e4) underflows to exactly 0
  });

  it("is symmetric under swapping image and text embeddings", () => {
    const rng = seededRng(8);
    const a = randNormal([5, 4], rng);
    const b = randNormal([5, 4], rng);
    const ab = clipLoss(a, b, 7.5);
    const ba = clipLoss(b, a, 7.5);
    expect(Math.abs(ab.loss - ba.loss)).toBeLessThan(1e-6);
    expect(ab.logits.transpose().toArray()).toEqual(ba.logits.toArray());
  });

  it("equals the naive float64 formula on random inputs (|diff| < 1e-5)", () => {
    const rng = seededRng(23);
    for (const [N, D, t] of [[4, 8, 1], [6, 5, 3.7], [3, 32, 14.3]]) {
      const img = randNormal([N, D], rng);
      const txt = randNormal([N, D], rng);
      const got = clipLoss(img, txt, t).loss;
      const want = naiveClip(rows(img), rows(txt), t);
      console.log(`CLIP N=${N} D=${D} t=${t}: ${got} vs naive ${want}, |diff| ${Math.abs(got - want).toExponential(2)}`);
      expect(Math.abs(got - want)).toBeLessThan(1e-5);
    }
  });

  it("rejects mismatched batches, bad t and zero embeddings", () => {
    const a = Tensor.from([1, 0, 0, 1], [2, 2]);
    expect(() => clipLoss(a, Tensor.from([1, 0], [1, 2]), 1)).toThrow(ShapeError);
    expect(() => clipLoss(a, a, -1)).toThrow(/clipLoss: the logit scale t/);
    expect(() => clipLoss(a, Tensor.from([1, 0, 0, 0], [2, 2]), 1)).toThrow(ArgumentError);
  });
});
