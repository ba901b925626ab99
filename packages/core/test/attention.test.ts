/**
 * attention.test.ts — core's selfAttention (written once against Ops) on BOTH implementations
 * (EagerOps reference kernels, GraphOps in onnxruntime) against an independent scalar oracle
 * (naive_attention.ts): MHA, GQA, MQA, head_dim != hidden / heads, RoPE with per-row positions,
 * soft-cap and scale, the op's sliding window vs the mask drawn with slidingWindowMask, causality.
 */
import { Tensor, type TensorParams, maxAbsDiff, randNormal, releaseAllSessions, runOps, runOpsMany, seededRng } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { type AttentionWeights, attentionMask, rotaryTables, selfAttention } from "../src/index.ts";
import { nested, randMatrix } from "./helpers.ts";
import { naiveAttention } from "./naive_attention.ts";

afterAll(() => releaseAllSessions());

const TOL = 1e-5; // float32 kernels vs a float64 scalar oracle on O(1) values
const W: AttentionWeights = { q: { weight: "q" }, k: { weight: "k" }, v: { weight: "v" }, o: { weight: "o" } };

function makeLayer(hidden: number, H: number, Hkv: number, D: number, seed: number): Record<string, Tensor> {
  const rng = seededRng(seed);
  return { q: randMatrix(H * D, hidden, rng), k: randMatrix(Hkv * D, hidden, rng), v: randMatrix(Hkv * D, hidden, rng), o: randMatrix(hidden, H * D, rng) };
}

const naiveOf = (w: Record<string, Tensor>) => ({ wq: nested(w.q), wk: nested(w.k), wv: nested(w.v), wo: nested(w.o) });

interface Call {
  H: number;
  Hkv: number;
  scale?: number;
  softcap?: number | null;
  window?: number | null;
}

/** selfAttention on x (+ mask, + RoPE from positions) with the given kernels. */
function attend(kind: "reference" | "onnx", x: Tensor, params: Record<string, Tensor> | TensorParams, c: Call, mask: Tensor | null, positions?: number[][], D?: number): Promise<Tensor> {
  const inputs: Record<string, Tensor> = { x };
  if (mask) inputs.mask = mask;
  if (positions) Object.assign(inputs, rotaryTables(positions, D!, 10000));
  return runOps(kind, (ops, v) => selfAttention(ops, v.x, W, { numHeads: c.H, numKvHeads: c.Hkv, scale: c.scale, softcap: c.softcap, window: c.window }, { mask: v.mask ?? null, rope: v.cos ? { cos: v.cos, sin: v.sin } : null }).output, inputs, params);
}

describe.each(["reference", "onnx"] as const)("selfAttention with %s ops", (kind) => {
  // [hidden, H, Hkv, D]: MHA, GQA 2:1, GQA 4:1 (=MQA here), MQA with 8 heads, head_dim != hidden/H
  const configs: [number, number, number, number][] = [[16, 4, 4, 4], [16, 4, 2, 4], [16, 4, 1, 4], [24, 8, 1, 6], [24, 4, 2, 10]];
  it.each(configs)("matches a scalar oracle: hidden %i, H %i, Hkv %i, D %i, causal + RoPE (atol 1e-5)", async (hidden, H, Hkv, D) => {
    const w = makeLayer(hidden, H, Hkv, D, hidden * 100 + H * 10 + Hkv);
    const x = randNormal([2, 5, hidden], seededRng(7));
    const positions = [[1, 2, 3, 4, 5], [0, 1, 2, 3, 4]];
    const y = await attend(kind, x, w, { H, Hkv }, attentionMask({ queryLength: 5, batch: 2 }), positions, D);
    const ref = naiveAttention(nested(x), naiveOf(w), { H, Hkv, D, theta: 10000, positions }, (_b, i, j) => j <= i);
    const d = maxAbsDiff(y, ref.flat(2));
    console.log(`${kind} attention hidden=${hidden} H=${H} Hkv=${Hkv} D=${D}: maxdiff ${d.toExponential(2)}`);
    expect(y.shape).toEqual([2, 5, hidden]);
    expect(d).toBeLessThan(TOL);
  });

  it("GQA equals MHA with each kv head's weights repeated for its group", async () => {
    const [hidden, H, Hkv, D] = [12, 6, 2, 4];
    const w = makeLayer(hidden, H, Hkv, D, 3);
    const repeat = (t: Tensor) => Tensor.concat(Array.from({ length: Hkv }, (_, g) => Array.from({ length: H / Hkv }, () => t.slice(0, g * D, (g + 1) * D))).flat(), 0);
    const x = randNormal([1, 4, hidden], seededRng(1));
    const a = await attend(kind, x, w, { H, Hkv }, null);
    const b = await attend(kind, x, { ...w, k: repeat(w.k), v: repeat(w.v) }, { H, Hkv: H }, null);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
  });

  it("soft-cap and custom scale match the oracle, and the cap changes large scores (atol 1e-4)", async () => {
    const [hidden, H, Hkv, D] = [16, 4, 2, 8];
    const w = makeLayer(hidden, H, Hkv, D, 11);
    const x = randNormal([1, 4, hidden], seededRng(2), 3); // large inputs -> large scores
    const y = await attend(kind, x, w, { H, Hkv, scale: 0.5, softcap: 2 }, null);
    const ref = naiveAttention(nested(x), naiveOf(w), { H, Hkv, D, scale: 0.5, softcap: 2 }, () => true);
    expect(maxAbsDiff(y, ref.flat(2))).toBeLessThan(1e-4);
    expect(maxAbsDiff(y, await attend(kind, x, w, { H, Hkv, scale: 0.5 }, null))).toBeGreaterThan(1e-2);
  });

  it("the op's sliding window equals the oracle and the mask drawn by slidingWindowMask", async () => {
    const [hidden, H, Hkv, D] = [8, 2, 1, 4];
    const w = makeLayer(hidden, H, Hkv, D, 5);
    const x = randNormal([1, 6, hidden], seededRng(4));
    const y = await attend(kind, x, w, { H, Hkv, window: 3 }, attentionMask({ queryLength: 6 }));
    const ref = naiveAttention(nested(x), naiveOf(w), { H, Hkv, D }, (_b, i, j) => j <= i && i - j < 3);
    expect(maxAbsDiff(y, ref.flat(2))).toBeLessThan(TOL);
    expect(maxAbsDiff(y, await attend(kind, x, w, { H, Hkv }, attentionMask({ queryLength: 6, slidingWindow: 3 })))).toBeLessThan(1e-6);
  });

  it("causal: changing a later token never changes earlier outputs", async () => {
    const w = makeLayer(8, 2, 1, 4, 9);
    const x = randNormal([1, 5, 8], seededRng(8));
    const x2 = x.clone();
    for (let i = 4 * 8; i < 5 * 8; i++) (x2.data as Float32Array)[i] += 1;
    const mask = attentionMask({ queryLength: 5 });
    const a = await attend(kind, x, w, { H: 2, Hkv: 1 }, mask);
    const b = await attend(kind, x2, w, { H: 2, Hkv: 1 }, mask);
    expect(maxAbsDiff(a.slice(1, 0, 4), b.slice(1, 0, 4))).toBe(0);
    expect(maxAbsDiff(a.slice(1, 4, 5), b.slice(1, 4, 5))).toBeGreaterThan(0);
  });

  it("returns its new keys (RoPE applied) and values for the caller's cache; a past is attended", async () => {
    const [hidden, H, Hkv, D] = [12, 4, 2, 6];
    const w = makeLayer(hidden, H, Hkv, D, 13);
    const x = randNormal([1, 5, hidden], seededRng(6));
    const positions = [[1, 2, 3, 4, 5]];
    const run = (xs: Tensor, pos: number[][], past: { key: Tensor; value: Tensor } | null, mask: Tensor) => runOpsMany(kind, (ops, v) => {
      const r = selfAttention(ops, v.x, W, { numHeads: H, numKvHeads: Hkv }, { mask: v.mask, rope: { cos: v.cos, sin: v.sin }, past: past ? { key: v.pk, value: v.pv } : null });
      return { y: r.output, newK: r.key, newV: r.value };
    }, { x: xs, mask, ...rotaryTables(pos, D), ...(past ? { pk: past.key, pv: past.value } : {}) }, w);
    const full = await run(x, positions, null, attentionMask({ queryLength: 5 }));
    expect(full.newK.shape).toEqual([1, 5, Hkv * D]);
    const head = await run(x.slice(1, 0, 3), [positions[0].slice(0, 3)], null, attentionMask({ queryLength: 3 }));
    const tail = await run(x.slice(1, 3, 5), [positions[0].slice(3)], { key: head.newK, value: head.newV }, attentionMask({ queryLength: 2, keyLength: 5 }));
    const d = maxAbsDiff(Tensor.concat([head.y, tail.y], 1), full.y);
    console.log(`${kind} attention with a past vs all at once: maxdiff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-5);
    expect(maxAbsDiff(Tensor.concat([head.newK, tail.newK], 1), full.newK)).toBeLessThan(1e-6);
  });
});
