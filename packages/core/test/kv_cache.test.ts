/**
 * kv_cache.test.ts — the time-major cache: rows appended in place (never reallocated), the filled
 * part as a zero-copy view, `past()` as [B, T, Hkv*D] (a view for one row, a copy for several),
 * `paddedPast()` (every row's capacity in place, the empty slots counted), and
 * a whole incremental decode (prefill, then one token at a time through selfAttention's new rows)
 * equal to a full recompute under causal, sliding-window and prefix-LM masks.
 */
import { Tensor, maxAbsDiff, randNormal, releaseAllSessions, runOpsMany, seededRng } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { type AttentionWeights, KVCache, LayerKVCache, attentionMask, rotaryTables, selfAttention } from "../src/index.ts";
import { randMatrix } from "./helpers.ts";

afterAll(() => releaseAllSessions());

describe("LayerKVCache", () => {
  it("stores time-major [maxLength, B, Hkv, D], appends in place, and reads the past batch-major", () => {
    const c = new LayerKVCache(2, 3, 4, 10);
    const keysBuffer = c.keys.buffer;
    const k = randNormal([2, 2, 3 * 4], seededRng(1)); // [B, T, Hkv*D], what a layer returns
    const rows = (t: Tensor) => t.permute([1, 0, 2]).toFloat32(); // [T, B, Hkv*D]
    c.appendRows(rows(k), rows(k));
    expect(c.length).toBe(2);
    // element (b, t, j) of the input lives at (t * B + b) * Hkv*D + j
    for (const [b, t, j] of [[0, 0, 0], [1, 1, 11], [1, 0, 2], [0, 1, 7]]) expect(c.keys[(t * 2 + b) * 12 + j]).toBe(k.get(b, t, j));
    const k2 = randNormal([2, 1, 12], seededRng(2));
    c.appendRows(rows(k2), rows(k2));
    expect(c.keys.buffer).toBe(keysBuffer); // never reallocated
    const { keys } = c.view();
    expect(keys.shape).toEqual([3, 2, 3, 4]);
    expect(keys.data.buffer).toBe(keysBuffer); // zero-copy view of the filled prefix
    expect(maxAbsDiff(c.past().key, Tensor.concat([k, k2], 1))).toBe(0); // [B, T, Hkv*D]
  });

  it("past() is a zero-copy view for one batch row", () => {
    const c = new LayerKVCache(1, 2, 3, 8);
    const k = randNormal([3, 1, 6], seededRng(5)).toFloat32();
    c.appendRows(k, k);
    const past = c.past().key;
    expect(past.shape).toEqual([1, 3, 6]);
    expect(past.data.buffer).toBe(c.keys.buffer);
  });

  it("paddedPast() gives every row's whole capacity in place for B > 1, the filled view for B = 1", () => {
    const c = new LayerKVCache(2, 1, 3, 5);
    const k = randNormal([2, 2, 3], seededRng(7)); // [B, T, Hkv*D]
    const rows = (t: Tensor) => t.permute([1, 0, 2]).toFloat32();
    c.appendRows(rows(k), rows(k));
    const k2 = randNormal([2, 1, 3], seededRng(8));
    c.appendRows(rows(k2), rows(k2));
    const p = c.paddedPast();
    expect(p.key.shape).toEqual([2, 5, 3]);
    expect(p.empty).toBe(2);
    expect(maxAbsDiff(p.key.slice(1, 0, 3), c.past().key)).toBe(0); // the filled slots, batch-major
    expect(c.paddedPast().key.data).toBe(p.key.data); // the same buffer every step: no copy
    const one = new LayerKVCache(1, 1, 3, 5);
    one.appendRows(k.slice(0, 0, 1).toFloat32(), k.slice(0, 0, 1).toFloat32());
    expect(one.paddedPast().empty).toBe(0);
    expect(one.paddedPast().key.data.buffer).toBe(one.keys.buffer);
  });

  it("throws when full or when rows do not fit", () => {
    const c = new LayerKVCache(1, 1, 2, 2);
    c.appendRows(new Float32Array(4), new Float32Array(4));
    expect(() => c.appendRows(new Float32Array(2), new Float32Array(2))).toThrow(/exceeds maxLength 2/);
    expect(() => new LayerKVCache(1, 1, 2, 4).appendRows(new Float32Array(3), new Float32Array(3))).toThrow(/must be \[T, 1, 1, 2\]/);
  });
});

describe.each(["reference", "onnx"] as const)("incremental decoding with a KV cache, %s ops", (kind) => {
  const [hidden, H, Hkv, D, T] = [16, 4, 2, 6, 7];
  const rng = seededRng(42);
  const params = { q: randMatrix(H * D, hidden, rng), k: randMatrix(Hkv * D, hidden, rng), v: randMatrix(Hkv * D, hidden, rng), o: randMatrix(hidden, H * D, rng) };
  const w: AttentionWeights = { q: { weight: "q" }, k: { weight: "k" }, v: { weight: "v" }, o: { weight: "o" } };
  const x = randNormal([2, T, hidden], rng);
  const positions = [Array.from({ length: T }, (_, t) => t + 1), Array.from({ length: T }, (_, t) => t + 1)];

  /** One call: x [2, n, hidden] with the cache's past; appends the new rows; returns the output. */
  async function step(xs: Tensor, pos: number[][], mask: Tensor, window: number | null, cache: LayerKVCache | null): Promise<Tensor> {
    const past = cache && cache.length > 0 ? cache.past() : null;
    const out = await runOpsMany(kind, (ops, v) => {
      const r = selfAttention(ops, v.x, w, { numHeads: H, numKvHeads: Hkv, softcap: 5, window }, { mask: v.mask, rope: { cos: v.cos, sin: v.sin }, past: past ? { key: v.pk, value: v.pv } : null });
      return { y: r.output, newK: ops.transpose(r.key, [1, 0, 2]), newV: ops.transpose(r.value, [1, 0, 2]) }; // new rows time-major
    }, { x: xs, mask, ...rotaryTables(pos, D), ...(past ? { pk: past.key, pv: past.value } : {}) }, params);
    cache?.appendRows(out.newK.toFloat32(), out.newV.toFloat32());
    return out.y;
  }

  it("token-by-token decode equals full recompute (causal, sliding window, prefix-LM) (atol 1e-5)", async () => {
    for (const [extra, window] of [[{}, null], [{}, 3], [{ prefixEnd: 3 }, null]] as const) {
      const full = await step(x, positions, attentionMask({ queryLength: T, batch: 2, ...extra }), window, null);
      const cache = new KVCache({ numLayers: 1, batch: 2, numKvHeads: Hkv, headDim: D, maxLength: T });
      const steps: [number, number][] = [[0, 3], ...Array.from({ length: T - 3 }, (_, i): [number, number] => [3 + i, 4 + i])]; // prefill 3, then one at a time
      const outs: Tensor[] = [];
      for (const [s, e] of steps) {
        const mask = attentionMask({ queryLength: e - s, keyLength: e, batch: 2, ...extra });
        outs.push(await step(x.slice(1, s, e), positions.map((p) => p.slice(s, e)), mask, window, cache.layers[0]));
      }
      const d = maxAbsDiff(Tensor.concat(outs, 1), full);
      console.log(`${kind} KV cache decode vs full recompute ${JSON.stringify(extra)} window ${window}: maxdiff ${d.toExponential(2)}`);
      expect(cache.length).toBe(T);
      expect(d).toBeLessThan(1e-5);
    }
  });
});
