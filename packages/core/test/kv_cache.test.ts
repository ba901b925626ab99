import { Tensor, maxAbsDiff, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { type AttentionWeights, KVCache, LayerKVCache, attentionMask, rotaryTables, selfAttention } from "../src/index.ts";
import { randMatrix } from "./helpers.ts";

describe("LayerKVCache", () => {
  it("stores time-major [maxLength, B, Hkv, D] and appends in place", () => {
    const c = new LayerKVCache(2, 3, 4, 10);
    const keysBuffer = c.keys.buffer;
    const k = randNormal([2, 3, 2, 4], seededRng(1)); // [B, Hkv, T, D]
    c.append(k, k);
    expect(c.length).toBe(2);
    // element (b, h, t, d) of the input lives at ((t * B + b) * Hkv + h) * D + d
    for (const [b, h, t, d] of [[0, 0, 0, 0], [1, 2, 1, 3], [1, 0, 0, 2], [0, 2, 1, 1]]) {
      expect(c.keys[((t * 2 + b) * 3 + h) * 4 + d]).toBe(k.get(b, h, t, d));
    }
    c.append(randNormal([2, 3, 1, 4], seededRng(2)), randNormal([2, 3, 1, 4], seededRng(3)));
    expect(c.length).toBe(3);
    expect(c.keys.buffer).toBe(keysBuffer); // never reallocated
    const { keys } = c.view();
    expect(keys.shape).toEqual([3, 2, 3, 4]);
    expect(keys.data.buffer).toBe(keysBuffer); // zero-copy view of the filled prefix
    expect(keys.data.byteOffset).toBe(0);
    const read = c.read().keys; // [B, Hkv, T, D]
    expect(maxAbsDiff(read.slice(2, 0, 2), k)).toBe(0);
  });

  it("appendRows (time-major rows, as a fused layer returns them) equals append", () => {
    const a = new LayerKVCache(1, 2, 3, 4);
    const b = new LayerKVCache(1, 2, 3, 4);
    const k = randNormal([1, 2, 2, 3], seededRng(5));
    a.append(k, k);
    const rows = k.permute([2, 0, 1, 3]).data as Float32Array; // [T, B, Hkv, D]
    b.appendRows(rows, rows);
    expect(Array.from(b.keys)).toEqual(Array.from(a.keys));
  });

  it("throws when full or when shapes do not fit", () => {
    const c = new LayerKVCache(1, 1, 2, 2);
    c.append(Tensor.zeros([1, 1, 2, 2]), Tensor.zeros([1, 1, 2, 2]));
    expect(() => c.append(Tensor.zeros([1, 1, 1, 2]), Tensor.zeros([1, 1, 1, 2]))).toThrow(/exceeds maxLength 2/);
    expect(() => new LayerKVCache(1, 1, 2, 4).append(Tensor.zeros([1, 2, 1, 2]), Tensor.zeros([1, 2, 1, 2]))).toThrow(/must be \[1, 1, T, 2\]/);
  });
});

describe("incremental decoding with a KV cache", () => {
  const [hidden, H, Hkv, D, T] = [16, 4, 2, 6, 7];
  const rng = seededRng(42);
  const w: AttentionWeights = {
    q: { weight: randMatrix(H * D, hidden, rng) },
    k: { weight: randMatrix(Hkv * D, hidden, rng) },
    v: { weight: randMatrix(Hkv * D, hidden, rng) },
    o: { weight: randMatrix(hidden, H * D, rng) },
  };
  const x = randNormal([2, T, hidden], rng);
  const positions = [Array.from({ length: T }, (_, t) => t + 1), Array.from({ length: T }, (_, t) => t + 1)];
  const base = { numHeads: H, numKvHeads: Hkv, headDim: D, softcap: 5 };

  it("token-by-token decode equals full recompute (causal, sliding window, prefix-LM)", () => {
    for (const extra of [{}, { slidingWindow: 3 }, { prefixEnd: 3 }]) {
      const full = selfAttention(x, w, { ...base, mask: attentionMask({ queryLength: T, batch: 2, ...extra }), rope: rotaryTables(positions, D) });
      const cache = new KVCache({ numLayers: 1, batch: 2, numKvHeads: Hkv, headDim: D, maxLength: T });
      // prefill the first 3 tokens in one block, then one token at a time
      const steps: [number, number][] = [[0, 3], ...Array.from({ length: T - 3 }, (_, i): [number, number] => [3 + i, 4 + i])];
      const outs: Tensor[] = [];
      for (const [s, e] of steps) {
        const xs = x.slice(1, s, e);
        const mask = attentionMask({ queryLength: e - s, keyLength: e, batch: 2, ...extra });
        const rope = rotaryTables(positions.map((p) => p.slice(s, e)), D);
        outs.push(selfAttention(xs, w, { ...base, mask, rope, cache: cache.layers[0] }));
      }
      const inc = Tensor.concat(outs, 1);
      const d = maxAbsDiff(inc, full);
      console.log(`KV cache decode vs full recompute ${JSON.stringify(extra)}: maxdiff ${d.toExponential(2)}`);
      expect(cache.length).toBe(T);
      expect(d).toBeLessThan(1e-5);
    }
  });
});
