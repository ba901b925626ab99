/**
 * autodiff_attention.test.ts — gradient rules of the opset 23 Attention node (as onnx/ops/attention.ts
 * emits it) and RotaryEmbedding, against float32 finite differences (neither op has a double kernel
 * that matches ORT's float one: test/autodiff_check.ts gives the method and tolerances).
 * Edge cases: GQA ratios 1/2/4 and MQA, odd head dims, Dv != D, Tq != Tk, masks with -Infinity,
 * fully masked query rows (gradient exactly 0, never NaN), soft-cap before the mask, a scale
 * attribute, a sliding window (folded into the mask by the builder), a bool mask, 4-D inputs, and a
 * mask that gets a gradient (a learned bias). head_dim != hidden / heads is the composite's
 * (autodiff_block.test.ts: width 16, 4 heads of 6).
 */
import { afterAll, describe, expect, it } from "vitest";
import { Graph, Tensor, grad, onnxOps, releaseAllSessions, runGraph } from "../src/index.ts";
import { type VjpCase, expectVjp } from "./autodiff_check.ts";

afterAll(() => releaseAllSessions());

interface AttnCase {
  name: string;
  B: number; Tq: number; Tk: number; H: number; Hkv: number; D: number; Dv?: number;
  mask?: "none" | "blocked" | "bias";
  softcap?: number; scale?: number; window?: number;
}

/** A [Tq, Tk] (or [B, 1, Tq, Tk]) mask: causal-ish -Infinity entries, row 1 fully blocked. */
function maskValues(B: number, Tq: number, Tk: number): number[] {
  const m: number[] = [];
  for (let b = 0; b < B; b++) for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) m.push(i === 1 ? -Infinity : j > i + Tk - Tq ? -Infinity : ((i + j + b) % 3) * 0.25);
  return m;
}

function attentionCase(a: AttnCase): VjpCase {
  const Dv = a.Dv ?? a.D;
  const mask = a.mask ?? "none";
  return {
    name: `Attention ${a.name}`,
    oracle: "float32",
    inputs: {
      q: { shape: [a.B, a.Tq, a.H * a.D] },
      k: { shape: [a.B, a.Tk, a.Hkv * a.D] },
      v: { shape: [a.B, a.Tk, a.Hkv * Dv] },
      ...(mask === "blocked" ? { mask: { shape: [a.B, 1, a.Tq, a.Tk], values: maskValues(a.B, a.Tq, a.Tk), wrt: false } } : {}),
      ...(mask === "bias" ? { mask: { shape: [a.Tq, a.Tk] } } : {}),
    },
    forward: (g, x) => onnxOps.attention(g, x.q, x.k, x.v, x.mask ?? null, { numHeads: a.H, numKvHeads: a.Hkv, softcap: a.softcap, scale: a.scale, window: a.window }),
  };
}

describe("autodiff: Attention (float32 finite differences with Richardson extrapolation)", () => {
  const cases: AttnCase[] = [
    { name: "MHA H=2, D=4, no mask", B: 2, Tq: 3, Tk: 3, H: 2, Hkv: 2, D: 4 },
    { name: "GQA 4/2, blocked entries + a fully masked row", B: 1, Tq: 4, Tk: 4, H: 4, Hkv: 2, D: 3, mask: "blocked" },
    { name: "GQA 4/1 (MQA), soft-cap 2 before the mask", B: 2, Tq: 3, Tk: 5, H: 4, Hkv: 1, D: 2, mask: "blocked", softcap: 2 },
    { name: "GQA 8/2 (ratio 4), Dv != D, scale 0.3", B: 1, Tq: 2, Tk: 3, H: 8, Hkv: 2, D: 3, Dv: 5, scale: 0.3 },
    { name: "3 heads of head_dim 5 (odd sizes), Tq=1 decode step", B: 2, Tq: 1, Tk: 4, H: 3, Hkv: 3, D: 5 },
    { name: "learned additive bias [Tq, Tk] gets a gradient", B: 2, Tq: 3, Tk: 3, H: 2, Hkv: 1, D: 2, mask: "bias" },
    { name: "sliding window 2 (Where/Range in the mask), soft-cap", B: 1, Tq: 4, Tk: 4, H: 2, Hkv: 1, D: 3, window: 2, softcap: 3 },
  ];
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expectVjp(attentionCase(c as AttnCase));
  });

  it("4-D inputs [B, H, T, D] and a bool mask", async () => {
    await expectVjp({
      name: "Attention 4-D, bool mask",
      oracle: "float32",
      inputs: {
        q: { shape: [1, 4, 3, 2] }, k: { shape: [1, 2, 3, 2] }, v: { shape: [1, 2, 3, 3] },
        m: { shape: [3, 3], dtype: "bool", values: [1, 0, 0, 1, 1, 0, 1, 1, 1] },
      },
      forward: (g, x) => g.op("Attention", [x.q, x.k, x.v, x.m]),
    });
  });

  it("a fully masked query row: its dq row is exactly 0 and no gradient is NaN", async () => {
    const g = new Graph("blocked");
    const [B, T, H, D] = [1, 3, 2, 2];
    const q = g.input("q", "float32", [B, T, H * D]);
    const k = g.input("k", "float32", [B, T, H * D]);
    const v = g.input("v", "float32", [B, T, H * D]);
    const m = g.input("m", "float32", [T, T]);
    const y = onnxOps.attention(g, q, k, v, m, { numHeads: H, numKvHeads: H });
    grad(g, y, [q, k, v], { seed: g.input("dy", "float32", [B, T, H * D]) }).forEach((d, i) => g.output(d, `d${i}`));
    const ones = Tensor.fromValues(Array.from({ length: B * T * H * D }, (_, i) => Math.sin(i + 1)), [B, T, H * D], "float32");
    const mask = Tensor.fromValues([0, -Infinity, 0, -Infinity, -Infinity, -Infinity, 0, 0, 0], [T, T], "float32"); // row 1 blocked
    const out = await runGraph(g, { q: ones, k: ones, v: ones, m: mask, dy: ones });
    const dq = out.d0.toArray();
    expect(dq.slice(H * D, 2 * H * D)).toEqual(new Array(H * D).fill(0));
    for (const d of [out.d0, out.d1, out.d2]) expect(d.toArray().every(Number.isFinite)).toBe(true);
    expect(dq.some((x) => x !== 0)).toBe(true);
  });

  it("past_key / is_causal are refused with a GradientError naming the node", () => {
    const g = new Graph("causal");
    const q = g.input("q", "float32", [1, 2, 4]);
    const y = g.op("Attention", [q, q, q], { q_num_heads: 2, kv_num_heads: 2, is_causal: 1 }, { name: "causal_attn" });
    expect(() => grad(g, y, [q], { seed: q })).toThrow(/causal_attn \(Attention\): is_causal/);
  });
});

describe("autodiff: RotaryEmbedding (the VJP is the inverse rotation)", () => {
  const rope = (name: string, B: number, T: number, H: number, D: number, attrs: Record<string, number> = {}): VjpCase => ({
    name: `RotaryEmbedding ${name}`,
    oracle: "float32",
    inputs: {
      x: { shape: [B, T, H * D] },
      cos: { shape: [B, T, (attrs.rotary_embedding_dim ?? D) / 2], init: (r) => Math.cos(6 * r()), wrt: false },
      sin: { shape: [B, T, (attrs.rotary_embedding_dim ?? D) / 2], init: (r) => Math.sin(6 * r()), wrt: false },
    },
    forward: (g, x) => g.op("RotaryEmbedding", [x.x, x.cos, x.sin], { num_heads: H, interleaved: 0, ...attrs }),
  });
  const cases = [
    rope("rotate-half, 2 heads of 4", 2, 3, 2, 4),
    rope("one head of 2, T=1", 1, 1, 1, 2),
    rope("interleaved pairs", 1, 3, 2, 4, { interleaved: 1 }),
    rope("partial rotary_embedding_dim 2 of 6", 1, 2, 2, 6, { rotary_embedding_dim: 2 }),
  ];
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expectVjp(c as VjpCase);
  });

  it("cos / sin get no gradient (zeros when asked for)", async () => {
    const g = new Graph("rope_tables");
    const x = g.input("x", "float32", [1, 2, 4]);
    const cos = g.input("cos", "float32", [1, 2, 2]);
    const sin = g.input("sin", "float32", [1, 2, 2]);
    const y = g.op("RotaryEmbedding", [x, cos, sin], { num_heads: 1 });
    const [dcos] = grad(g, y, [cos], { seed: x });
    expect(g.nodeList().find((n) => n.outputs.includes(dcos))!.opType).toBe("ConstantOfShape");
  });
});
