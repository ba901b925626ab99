import { Tensor, maxAbsDiff, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { embedding, gatedMlp, layerNorm, linear, mlp, rmsNorm, softCap, tiedLmHead } from "../src/index.ts";

const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

describe("small layers", () => {
  it("linear: y = x W^T + b", () => {
    const y = linear(Tensor.from([1, 2], [1, 2]), { weight: Tensor.from([1, 0, 0, 1, 1, 1], [3, 2]), bias: Tensor.from([0, 10, 100]) });
    expect(y.toArray()).toEqual([1, 12, 103]);
  });

  it("embedding gathers rows; the tied head is h E^T", () => {
    const E = Tensor.from([0, 0, 1, 0, 0, 1, 1, 1], [4, 2]);
    const h = embedding([[1, 3], [2, 2]], E);
    expect(h.shape).toEqual([2, 2, 2]);
    expect(h.toArray()).toEqual([1, 0, 1, 1, 0, 1, 0, 1]);
    expect(tiedLmHead(Tensor.from([2, 3], [1, 2]), E).toArray()).toEqual([0, 2, 3, 5]);
    expect(() => embedding([[4]], E)).toThrow(/token id 4/);
  });

  it("rmsNorm uses Gemma's (1 + w)", () => {
    const x = Tensor.from([3, 4], [1, 2]);
    const rms = Math.sqrt((9 + 16) / 2 + 1e-6);
    expect(maxAbsDiff(rmsNorm(x, Tensor.from([0, 1]), 1e-6), [3 / rms, (4 / rms) * 2])).toBeLessThan(1e-6);
  });

  it("layerNorm normalizes then applies weight and bias", () => {
    const y = layerNorm(Tensor.from([1, 3], [1, 2]), { weight: Tensor.from([2, 2]), bias: Tensor.from([1, 1]) }, 0);
    expect(maxAbsDiff(y, [-1, 3])).toBeLessThan(1e-6);
  });

  it("gated MLP = down(gelu_tanh(gate x) * up x); MLP = fc2(gelu_tanh(fc1 x))", () => {
    const rng = seededRng(1);
    const x = randNormal([1, 1, 3], rng);
    const [g, u, d] = [randNormal([4, 3], rng), randNormal([4, 3], rng), randNormal([3, 4], rng)];
    const xv = x.toArray();
    const row = (m: Tensor, r: number, v: number[]) => v.reduce((s, vi, i) => s + m.get(r, i) * vi, 0);
    const hidden = [0, 1, 2, 3].map((r) => gelu(row(g, r, xv)) * row(u, r, xv));
    const expected = [0, 1, 2].map((r) => row(d, r, hidden));
    expect(maxAbsDiff(gatedMlp(x, { gate: { weight: g }, up: { weight: u }, down: { weight: d } }), expected)).toBeLessThan(1e-5);
    const h2 = [0, 1, 2, 3].map((r) => gelu(row(g, r, xv)));
    expect(maxAbsDiff(mlp(x, { fc1: { weight: g }, fc2: { weight: d } }), [0, 1, 2].map((r) => row(d, r, h2)))).toBeLessThan(1e-5);
  });

  it("softCap squashes into (-c, c) and is ~identity near 0", () => {
    const y = softCap(Tensor.from([0.01, 1000, -1000]), 30);
    expect(y.get(0)).toBeCloseTo(0.01, 6);
    expect(y.get(1)).toBeCloseTo(30, 5);
    expect(y.get(2)).toBeCloseTo(-30, 5);
    expect(softCap(Tensor.from([5]), null).get(0)).toBe(5);
  });
});
