import { Tensor, maxAbsDiff, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { applyRotary, rotaryInvFreq, rotaryTables } from "../src/index.ts";

function dot(a: Float32Array, b: Float32Array): number {
  return a.reduce((s, v, i) => s + v * b[i], 0);
}

describe("rotary embedding", () => {
  it("inv_freq = 1 / theta^(2i/d), for any even head_dim and theta", () => {
    for (const [d, theta] of [[16, 10000], [72, 10000], [256, 10000], [8, 500000]]) {
      const inv = rotaryInvFreq(d, theta);
      expect(inv.length).toBe(d / 2);
      inv.forEach((v, i) => expect(v).toBeCloseTo(1 / theta ** ((2 * i) / d), 6));
    }
    expect(() => rotaryInvFreq(7)).toThrow(/even/);
  });

  it("tables repeat the half table: cos[p] = [cos(p f), cos(p f)]", () => {
    const { cos, sin } = rotaryTables([3], 4, 100);
    const f = [1, 1 / 10];
    expect(cos.toArray()).toEqual([Math.cos(3 * f[0]), Math.cos(3 * f[1]), Math.cos(3 * f[0]), Math.cos(3 * f[1])].map(Math.fround));
    expect(sin.get(0, 0, 3)).toBeCloseTo(Math.sin(0.3), 6);
  });

  it("rotate-half: pairs feature i with i + d/2; position 0 is the identity; norms are kept", () => {
    const x = Tensor.from([1, 2, 3, 4], [1, 1, 1, 4]);
    const a = 0.7;
    const y = applyRotary(x, rotaryTables([a], 4, 1)); // theta 1: every inv_freq is 1, angle = a
    const [c, s] = [Math.cos(a), Math.sin(a)];
    expect(maxAbsDiff(y, [1 * c - 3 * s, 2 * c - 4 * s, 3 * c + 1 * s, 4 * c + 2 * s])).toBeLessThan(1e-6);
    const z = randNormal([1, 2, 3, 8], seededRng(1));
    expect(maxAbsDiff(applyRotary(z, rotaryTables([0, 0, 0], 8)), z)).toBe(0);
    const r = applyRotary(z, rotaryTables([5, 9, 100], 8));
    expect(dot(r.data as Float32Array, r.data as Float32Array)).toBeCloseTo(dot(z.data as Float32Array, z.data as Float32Array), 3);
  });

  it("q(p) . k(p') depends only on p - p' (per-row positions)", () => {
    const q = randNormal([1, 1, 1, 72], seededRng(2));
    const k = randNormal([1, 1, 1, 72], seededRng(3));
    const score = (pq: number, pk: number) =>
      dot(applyRotary(q, rotaryTables([pq], 72)).data as Float32Array, applyRotary(k, rotaryTables([pk], 72)).data as Float32Array);
    expect(score(10, 7)).toBeCloseTo(score(3, 0), 3);
    expect(score(25, 5)).toBeCloseTo(score(21, 1), 3);
    expect(Math.abs(score(10, 7) - score(10, 8))).toBeGreaterThan(1e-3);
    // two rows with their own positions
    const t = rotaryTables([[1, 2], [5, 6]], 4);
    expect(t.cos.shape).toEqual([2, 2, 4]);
    expect(t.cos.get(1, 0, 0)).toBeCloseTo(Math.cos(5), 6);
  });
});
