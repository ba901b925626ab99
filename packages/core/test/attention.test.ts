import { Tensor, maxAbsDiff, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { type AttentionWeights, attentionMask, rotaryTables, selfAttention } from "../src/index.ts";
import { randMatrix, nested } from "./helpers.ts";
import { naiveAttention } from "./naive_attention.ts";

const TOL = 1e-5; // float32 kernels vs a float64 scalar oracle on O(1) values

function makeLayer(hidden: number, H: number, Hkv: number, D: number, seed: number): AttentionWeights {
  const rng = seededRng(seed);
  return {
    q: { weight: randMatrix(H * D, hidden, rng) },
    k: { weight: randMatrix(Hkv * D, hidden, rng) },
    v: { weight: randMatrix(Hkv * D, hidden, rng) },
    o: { weight: randMatrix(hidden, H * D, rng) },
  };
}

function naiveOf(w: AttentionWeights) {
  return { wq: nested(w.q.weight), wk: nested(w.k.weight), wv: nested(w.v.weight), wo: nested(w.o.weight) };
}

describe("selfAttention", () => {
  // [hidden, H, Hkv, D]: MHA, GQA 2:1, GQA 4:1 (=MQA here), MQA with 8 heads, head_dim != hidden/H
  const configs: [number, number, number, number][] = [
    [16, 4, 4, 4],
    [16, 4, 2, 4],
    [16, 4, 1, 4],
    [24, 8, 1, 6],
    [24, 4, 2, 10], // H*D = 40 != hidden 24
  ];
  it.each(configs)("matches a scalar oracle: hidden %i, H %i, Hkv %i, D %i, causal + RoPE", (hidden, H, Hkv, D) => {
    const w = makeLayer(hidden, H, Hkv, D, hidden * 100 + H * 10 + Hkv);
    const x = randNormal([2, 5, hidden], seededRng(7));
    const positions = [[1, 2, 3, 4, 5], [0, 1, 2, 3, 4]];
    const y = selfAttention(x, w, { numHeads: H, numKvHeads: Hkv, headDim: D, mask: attentionMask({ queryLength: 5, batch: 2 }), rope: rotaryTables(positions, D, 10000) });
    const ref = naiveAttention(nested(x), naiveOf(w), { H, Hkv, D, theta: 10000, positions }, (_b, i, j) => j <= i);
    const d = maxAbsDiff(y, ref.flat(2));
    console.log(`attention hidden=${hidden} H=${H} Hkv=${Hkv} D=${D}: maxdiff ${d.toExponential(2)}`);
    expect(y.shape).toEqual([2, 5, hidden]);
    expect(d).toBeLessThan(TOL);
  });

  it("GQA equals MHA with each kv head's weights repeated for its group", () => {
    const [hidden, H, Hkv, D] = [12, 6, 2, 4];
    const w = makeLayer(hidden, H, Hkv, D, 3);
    const repeat = (t: Tensor) => Tensor.concat(Array.from({ length: Hkv }, (_, g) => Array.from({ length: H / Hkv }, () => t.slice(0, g * D, (g + 1) * D))).flat(), 0);
    const mha: AttentionWeights = { ...w, k: { weight: repeat(w.k.weight) }, v: { weight: repeat(w.v.weight) } };
    const x = randNormal([1, 4, hidden], seededRng(1));
    const a = selfAttention(x, w, { numHeads: H, numKvHeads: Hkv, headDim: D });
    const b = selfAttention(x, mha, { numHeads: H, numKvHeads: H, headDim: D });
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
  });

  it("soft-cap and custom scale match the oracle, and the cap changes large scores", () => {
    const [hidden, H, Hkv, D] = [16, 4, 2, 8];
    const w = makeLayer(hidden, H, Hkv, D, 11);
    const x = randNormal([1, 4, hidden], seededRng(2), 3); // large inputs -> large scores
    const opts = { numHeads: H, numKvHeads: Hkv, headDim: D, scale: 0.5, softcap: 2 };
    const y = selfAttention(x, w, opts);
    const ref = naiveAttention(nested(x), naiveOf(w), { H, Hkv, D, scale: 0.5, softcap: 2 }, () => true);
    expect(maxAbsDiff(y, ref.flat(2))).toBeLessThan(1e-4);
    const uncapped = selfAttention(x, w, { ...opts, softcap: null });
    expect(maxAbsDiff(y, uncapped)).toBeGreaterThan(1e-2);
  });

  it("sliding-window mask matches the oracle", () => {
    const [hidden, H, Hkv, D] = [8, 2, 1, 4];
    const w = makeLayer(hidden, H, Hkv, D, 5);
    const x = randNormal([1, 6, hidden], seededRng(4));
    const y = selfAttention(x, w, { numHeads: H, numKvHeads: Hkv, headDim: D, mask: attentionMask({ queryLength: 6, slidingWindow: 3 }) });
    const ref = naiveAttention(nested(x), naiveOf(w), { H, Hkv, D }, (_b, i, j) => j <= i && i - j < 3);
    expect(maxAbsDiff(y, ref.flat(2))).toBeLessThan(TOL);
  });

  it("causal: changing a later token never changes earlier outputs", () => {
    const w = makeLayer(8, 2, 1, 4, 9);
    const x = randNormal([1, 5, 8], seededRng(8));
    const x2 = x.clone();
    for (let i = 4 * 8; i < 5 * 8; i++) (x2.data as Float32Array)[i] += 1;
    const opts = { numHeads: 2, numKvHeads: 1, headDim: 4, mask: attentionMask({ queryLength: 5 }) };
    const a = selfAttention(x, w, opts);
    const b = selfAttention(x2, w, opts);
    expect(maxAbsDiff(a.slice(1, 0, 4), b.slice(1, 0, 4))).toBe(0);
    expect(maxAbsDiff(a.slice(1, 4, 5), b.slice(1, 4, 5))).toBeGreaterThan(0);
  });
});
