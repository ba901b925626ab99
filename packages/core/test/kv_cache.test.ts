/**
 * kv_cache.test.ts — the time-major cache: rows appended in place (never reallocated), the filled
 * part as a zero-copy view, `past()` as [B, T, Hkv*D] (a view for one row, a copy for several),
 * `paddedPast()` (every row's capacity in place, the empty slots counted), and
 * a whole incremental decode (prefill, then one token at a time through selfAttention's new rows)
 * equal to a full recompute under causal, sliding-window and prefix-LM masks. Beam bookkeeping: the
 * row table (reorderRows, expand) gives every row the same past as physically copying the cache the
 * way Hugging Face's reorder_cache does, without moving a float after the one-time prompt copy.
 */
import { Tensor, maxAbsDiff, randNormal, releaseAllSessions, runOpsMany, seededRng } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { type AttentionWeights, KVCache, KVRowTable, LayerKVCache, attentionMask, rotaryTables, selfAttention } from "../src/index.ts";
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

describe("beam bookkeeping: row table, reorderRows, expand", () => {
  const shape = { numLayers: 2, numKvHeads: 1, headDim: 2 };
  const W = shape.numKvHeads * shape.headDim;
  /** Slot t of row b, layer l, holds the distinct values [1000 l + 10 t + b, -(...)]: where a row's past came from is readable. */
  const stamp = (l: number, t: number, b: number) => [1000 * l + 10 * t + b, -(1000 * l + 10 * t + b)];

  it("a random sequence of appends and re-rankings == copying every row's history (HF reorder_cache), with no float moved", () => {
    const B = 4;
    const rng = seededRng(9);
    const cache = new KVCache({ ...shape, batch: B, maxLength: 8 });
    const copies: number[][][][] = [[[], [], [], []], [[], [], [], []]]; // [layer][row][slot] -> values: the copying way
    for (let t = 0; t < 6; t++) {
      cache.layers.forEach((l, i) => {
        const rows = new Float32Array(B * W);
        for (let b = 0; b < B; b++) rows.set(stamp(i, t, b), b * W);
        l.appendRows(rows, rows);
        for (let b = 0; b < B; b++) copies[i][b].push(stamp(i, t, b));
      });
      const parents = Array.from({ length: B }, () => Math.floor(rng() * B));
      const before = cache.layers.map((l) => l.keys.slice(0, (t + 1) * B * W));
      cache.reorderRows(parents);
      cache.layers.forEach((l, i) => {
        expect(Array.from(l.keys.subarray(0, (t + 1) * B * W))).toEqual(Array.from(before[i])); // stored data untouched
        copies[i] = parents.map((p) => copies[i][p].map((v) => [...v])); // index_select on the batch axis
        const past = l.past().key.toFloat32(); // [B, T, W]
        for (let b = 0; b < B; b++) expect(Array.from(past.subarray(b * (t + 1) * W, (b + 1) * (t + 1) * W))).toEqual(copies[i][b].flat());
      });
    }
    expect(cache.rows.identity).toBe(false);
    cache.reset();
    expect([cache.length, cache.rows.identity, cache.rows.column(3, 2)]).toEqual([0, true, 2]);
  });

  it("expand: K rows per prompt row share ONE stored copy of the prompt; their new slots are their own", () => {
    const src = new KVCache({ ...shape, batch: 2, maxLength: 3 });
    src.layers.forEach((l, i) => {
      for (let t = 0; t < 3; t++) l.appendRows(Float32Array.from([...stamp(i, t, 0), ...stamp(i, t, 1)]), Float32Array.from([...stamp(i, t, 0), ...stamp(i, t, 1)]));
    });
    const K = 3;
    const big = KVCache.expand(src, K, 5); // 6 rows: 0-2 from prompt row 0, 3-5 from prompt row 1
    expect([big.length, big.shape.batch, big.maxLength]).toEqual([3, 6, 5]);
    const l1 = big.layers[1];
    expect(Array.from(l1.keys.subarray(0, 6 * W))).toEqual([...stamp(1, 0, 0), 0, 0, 0, 0, ...stamp(1, 0, 1), 0, 0, 0, 0]); // stored once per group, in its first column
    big.layers.forEach((l, i) => {
      const rows = new Float32Array(6 * W);
      for (let b = 0; b < 6; b++) rows.set(stamp(i, 3, 10 + b), b * W);
      l.appendRows(rows, rows);
    });
    const past = l1.past().value.toFloat32(); // [6, 4, W]
    for (let b = 0; b < 6; b++) {
      const want = [stamp(1, 0, Math.floor(b / K)), stamp(1, 1, Math.floor(b / K)), stamp(1, 2, Math.floor(b / K)), stamp(1, 3, 10 + b)].flat();
      expect(Array.from(past.subarray(b * 4 * W, (b + 1) * 4 * W)), `row ${b}`).toEqual(want);
    }
    expect(() => KVCache.expand(src, 0, 5)).toThrow(/factor must be a positive integer/);
    expect(() => KVCache.expand(src, 2, 2)).toThrow(/maxLength 2 < the 3 filled slots/);
  });

  it("paddedPast() follows the row table: after re-rankings, expand and reset each row reads what past() reads", () => {
    const B = 4;
    const rng = seededRng(11);
    const samePast = (c: KVCache) =>
      c.layers.forEach((l) => {
        const T = l.length;
        const p = l.paddedPast();
        expect(p.empty).toBe(l.maxLength - T);
        const padded = p.key.toFloat32();
        const vals = p.value.toFloat32();
        const past = l.past();
        const [pk, pv] = [past.key.toFloat32(), past.value.toFloat32()];
        for (let b = 0; b < B; b++) {
          const row = (buf: Float32Array) => Array.from(buf.subarray(b * l.maxLength * W, (b * l.maxLength + T) * W));
          expect(row(padded), `row ${b}`).toEqual(Array.from(pk.subarray(b * T * W, (b + 1) * T * W)));
          expect(row(vals), `row ${b}`).toEqual(Array.from(pv.subarray(b * T * W, (b + 1) * T * W)));
        }
      });
    const appendStep = (c: KVCache, t: number) =>
      c.layers.forEach((l, i) => {
        const rows = new Float32Array(B * W);
        for (let b = 0; b < B; b++) rows.set(stamp(i, t, b), b * W);
        l.appendRows(rows, rows);
      });
    const cache = new KVCache({ ...shape, batch: B, maxLength: 8 });
    appendStep(cache, 0);
    samePast(cache); // the mirror is made here, from the row table
    const mirror = cache.layers[1].paddedPast().key.data;
    for (let t = 1; t < 6; t++) {
      appendStep(cache, t); // kept current by appendRows
      cache.reorderRows(Array.from({ length: B }, () => Math.floor(rng() * B))); // and by reorderRows
      samePast(cache);
    }
    expect(cache.layers[1].paddedPast().key.data).toBe(mirror); // one buffer throughout
    cache.rows.reorder([1, 0, 3, 2], cache.length); // the table changed behind the layers' backs: rebuilt on the next call
    samePast(cache);
    cache.reset();
    appendStep(cache, 0);
    samePast(cache);
    const src = new KVCache({ ...shape, batch: 2, maxLength: 3 });
    src.layers.forEach((l, i) => l.appendRows(Float32Array.from([...stamp(i, 0, 0), ...stamp(i, 0, 1)]), Float32Array.from([...stamp(i, 0, 0), ...stamp(i, 0, 1)])));
    const big = KVCache.expand(src, 2, 5); // 4 rows sharing 2 stored prompts
    samePast(big);
    appendStep(big, 1);
    big.reorderRows([3, 3, 0, 1]);
    samePast(big);
  });

  it("the row table checks its arguments", () => {
    const t = new KVRowTable(3, 4);
    expect(() => t.reorder([0, 1], 2)).toThrow(/2 rows for a batch of 3/);
    expect(() => t.reorder([0, 1, 3], 2)).toThrow(/row 3 is outside the batch 0\.\.2/);
    expect(() => t.share([0, 0, 0], 5)).toThrow(/length 5 outside 0\.\.4/);
    t.reorder([0, 1, 2], 4);
    expect(t.identity).toBe(true);
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
