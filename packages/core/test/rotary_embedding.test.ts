/**
 * rotary_embedding.test.ts — RoPE tables (core) and the rotation they drive (tensor's rotaryEmbedding
 * kernel, the `rope` op): inv_freq, half tables, rotate-half pairing, identity at 0, norms kept, and
 * relative positions: q(p) . k(p') depends only on p - p'.
 */
import { Tensor, maxAbsDiff, randNormal, rotaryEmbedding, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { rotaryInvFreq, rotaryTables } from "../src/index.ts";

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);

/** rope of x [1, T, H*D] at positions [T]. */
const rope = (x: Tensor, positions: number[], D: number, heads = 1) => {
  const t = rotaryTables([positions], D);
  return rotaryEmbedding(x, t.cos, t.sin, heads);
};

describe("rotary embedding", () => {
  it("inv_freq = 1 / theta^(2i/d), for any even head_dim and theta", () => {
    for (const [d, theta] of [[16, 10000], [72, 10000], [256, 10000], [8, 500000]]) {
      const inv = rotaryInvFreq(d, theta);
      expect(inv.length).toBe(d / 2);
      inv.forEach((v, i) => expect(v).toBeCloseTo(1 / theta ** ((2 * i) / d), 6));
    }
    expect(() => rotaryInvFreq(7)).toThrow(/even/);
  });

  it("half tables: cos[p, i] = cos(p f_i), [B, T, d/2], one row of positions per batch row", () => {
    const { cos, sin } = rotaryTables([3], 4, 100);
    expect(cos.shape).toEqual([1, 1, 2]);
    expect(cos.toArray()).toEqual([Math.cos(3), Math.cos(0.3)].map(Math.fround));
    expect(sin.get(0, 0, 1)).toBeCloseTo(Math.sin(0.3), 6);
    const t = rotaryTables([[1, 2], [5, 6]], 4);
    expect(t.cos.shape).toEqual([2, 2, 2]);
    expect(t.cos.get(1, 0, 0)).toBeCloseTo(Math.cos(5), 6);
  });

  it("rotate-half: pairs feature i with i + d/2; position 0 is the identity; norms are kept", () => {
    const a = 0.7;
    const t = rotaryTables([a], 4, 1); // theta 1: every inv_freq is 1, angle = a
    const y = rotaryEmbedding(Tensor.from([1, 2, 3, 4], [1, 1, 4]), t.cos, t.sin, 1);
    const [c, s] = [Math.cos(a), Math.sin(a)];
    expect(maxAbsDiff(y, [1 * c - 3 * s, 2 * c - 4 * s, 3 * c + 1 * s, 4 * c + 2 * s])).toBeLessThan(1e-6);
    const z = randNormal([1, 3, 2 * 8], seededRng(1)); // 2 heads of 8
    expect(maxAbsDiff(rope(z, [0, 0, 0], 8, 2), z)).toBe(0);
    const r = rope(z, [5, 9, 100], 8, 2);
    expect(dot(r.toFloat32(), r.toFloat32())).toBeCloseTo(dot(z.toFloat32(), z.toFloat32()), 3);
  });

  it("q(p) . k(p') depends only on p - p'", () => {
    const q = randNormal([1, 1, 72], seededRng(2));
    const k = randNormal([1, 1, 72], seededRng(3));
    const score = (pq: number, pk: number) => dot(rope(q, [pq], 72).toFloat32(), rope(k, [pk], 72).toFloat32());
    expect(score(10, 7)).toBeCloseTo(score(3, 0), 3);
    expect(score(25, 5)).toBeCloseTo(score(21, 1), 3);
    expect(Math.abs(score(10, 7) - score(10, 8))).toBeGreaterThan(1e-3);
  });
});
