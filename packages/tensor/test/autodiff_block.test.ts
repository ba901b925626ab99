/**
 * autodiff_block.test.ts — the composite check: a tiny PaliGemma-shaped forward written once against
 * `Ops` (inline here: tensor must not import core), built with GraphOps over `InputParams` (every
 * weight a graph input), with a cross-entropy loss; grad w.r.t. every parameter vs finite
 * differences on sampled elements and random directions of each parameter (float32 oracle with
 * Richardson extrapolation: Attention / RotaryEmbedding / Conv have no double kernel;
 * test/autodiff_check.ts). Also prints the node counts and the time of one forward + backward run.
 *
 * The forward: SigLIP-style patch embedding (Conv) + position embedding + LayerNorm + projector
 * (biased linear), text embedding (Gather, scaled by sqrt(D)), concat, one Gemma-style decoder block
 * (RMSNorm 1 + w, q/k/v with GQA 4/2 and head_dim 6 != D / H, RoPE, prefix-LM mask with a padding
 * key, soft-capped attention, gated gelu_tanh MLP, residuals), final RMSNorm, tied LM head (the
 * embedding used twice), final-logit soft-cap; the cross-entropy terms onehot * log_softmax(logits)
 * are reduced to the scalar loss -sum(terms) / targets (ReduceSum, Mul) and grad is taken of it.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  Graph, GraphOps, InputParams, type OnnxSession, type Ops, Tensor, getSession, grad, randNormal, releaseAllSessions, seededRng,
} from "../src/index.ts";
import { type InputSpec, expectVjp } from "./autodiff_check.ts";

afterAll(() => releaseAllSessions());

const B = 2, C = 3, S = 8, P = 4; // two 8x8 RGB images, 4x4 patches -> 4 image tokens
const NI = (S / P) ** 2, NT = 5, T = NI + NT, D = 16, V = 11; // 4 image + 5 text tokens, width 16, vocab 11
const H = 4, HKV = 2, HD = 6, MLP = 24;

const PARAMS: Record<string, number[]> = {
  "vision.patch.weight": [D, C, P, P], "vision.patch.bias": [D], "vision.pos": [NI, D],
  "vision.norm.weight": [D], "vision.norm.bias": [D], "projector.weight": [D, D], "projector.bias": [D],
  "embed": [V, D],
  "layer.input_norm.weight": [D], "layer.q.weight": [H * HD, D], "layer.k.weight": [HKV * HD, D], "layer.v.weight": [HKV * HD, D],
  "layer.o.weight": [D, H * HD], "layer.post_norm.weight": [D], "layer.gate.weight": [MLP, D], "layer.up.weight": [MLP, D],
  "layer.down.weight": [D, MLP], "final_norm.weight": [D],
};

/** The model, written once against Ops (what a core / siglip / gemma layer would be). */
function tinyPaliGemmaNll<T>(ops: Ops<T>, x: Record<string, T>): T {
  const img = ops.patchEmbed(x.pixels, "vision.patch.weight", "vision.patch.bias", P); // [B, NI, D]
  const vis = ops.layerNorm(ops.add(img, ops.param("vision.pos")), "vision.norm.weight", "vision.norm.bias", 1e-6);
  const proj = ops.linear(vis, { weight: "projector.weight", bias: "projector.bias" }); // [B, NI, D]
  const txt = ops.mul(ops.gather(ops.param("embed"), x.ids), Math.sqrt(D)); // [B, NT, D]
  const h = decoderBlock(ops, ops.concat([proj, txt], 1), x, { H, HKV }); // [B, T, D]
  // tied head, soft-capped logits, cross-entropy over the target positions
  const logits = ops.softCap(ops.matmul(ops.rmsNorm(h, "final_norm.weight", 1e-6), ops.transpose(ops.param("embed"), [1, 0])), 5); // [B, T, V]
  return ops.mul(ops.logSoftmax(logits, -1), x.targets); // [B, T, V]: log p(target) at the one-hot entries
}

/** A Gemma-style decoder block (pre-norm attention + gated MLP, residuals), weights "layer.*". */
function decoderBlock<T>(ops: Ops<T>, x: T, a: Record<string, T>, c: { H: number; HKV: number }): T {
  const n1 = ops.rmsNorm(x, "layer.input_norm.weight", 1e-6);
  const q = ops.rope(ops.linear(n1, { weight: "layer.q.weight" }), a.cos, a.sin, c.H); // [B, T, H*HD]
  const k = ops.rope(ops.linear(n1, { weight: "layer.k.weight" }), a.cos, a.sin, c.HKV); // [B, T, HKV*HD]
  const v = ops.linear(n1, { weight: "layer.v.weight" });
  const att = ops.attention(q, k, v, a.mask, { numHeads: c.H, numKvHeads: c.HKV, softcap: 4 }); // [B, T, H*HD]
  const h = ops.add(x, ops.linear(att, { weight: "layer.o.weight" }));
  const n2 = ops.rmsNorm(h, "layer.post_norm.weight", 1e-6);
  const mlp = ops.mul(ops.geluTanh(ops.linear(n2, { weight: "layer.gate.weight" })), ops.linear(n2, { weight: "layer.up.weight" }));
  return ops.add(h, ops.linear(mlp, { weight: "layer.down.weight" }));
}

/** Prefix-LM mask [B, 1, T, T]: image + 3 prefix tokens bidirectional, the rest causal; row 1's last key is padding. */
function prefixMask(): number[] {
  const prefix = NI + 3;
  const m: number[] = [];
  for (let b = 0; b < B; b++) for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) m.push((j < prefix || j <= i) && !(b === 1 && j === T - 1) ? 0 : -Infinity);
  return m;
}

/** One-hot next-token targets [B, T, V] on the text positions NI..T-2. */
function targets(ids: number[]): number[] {
  const t = new Array<number>(B * T * V).fill(0);
  for (let b = 0; b < B; b++) for (let i = NI; i < T - 1; i++) t[(b * T + i) * V + ids[b * NT + (i - NI) + 1]] = 1;
  return t;
}

describe("autodiff: a whole tiny PaliGemma (vision embed + projector + a decoder block + tied head + cross-entropy)", () => {
  it("grad w.r.t. every parameter (graph inputs via InputParams) matches finite differences", async () => {
    const ids = [3, 7, 7, 1, 10, 0, 5, 2, 2, 9];
    const angles = Array.from({ length: B * T * (HD / 2) }, (_, n) => (n % T) * 10000 ** (-(Math.floor(n / T) % (HD / 2)) / (HD / 2)));
    const inputs: Record<string, InputSpec> = {
      pixels: { shape: [B, C, S, S], wrt: false },
      ids: { shape: [B, NT], dtype: "int64", values: ids },
      cos: { shape: [B, T, HD / 2], values: angles.map(Math.cos), wrt: false },
      sin: { shape: [B, T, HD / 2], values: angles.map(Math.sin), wrt: false },
      mask: { shape: [B, 1, T, T], values: prefixMask(), wrt: false },
      targets: { shape: [B, T, V], values: targets(ids), wrt: false },
      ...Object.fromEntries(Object.entries(PARAMS).map(([name, shape]) => [name, { shape, created: true, init: weightInit(name) }])),
    };
    const params = new InputParams(PARAMS);
    const report = await expectVjp({
      name: "tiny PaliGemma",
      oracle: "float32",
      scalarLoss: -1 / (B * (NT - 1)), // loss = -sum(terms) / number of targets
      samples: 6,
      tol: 2e-3, // float32 FD through ~40 ops: the worst measured is ~4e-4 (see autodiff_check.ts)
      inputs,
      forward: (g: Graph, x) => tinyPaliGemmaNll(new GraphOps(g, params), x),
    });
    // every parameter became a graph input named after it
    expect(report.lines.length).toBe(Object.keys(PARAMS).length);
    const ms = await meanRunMs(report.session, report.feeds);
    console.log(`tiny PaliGemma: forward ${report.forwardNodes} nodes, backward adds ${report.backwardNodes} nodes; one forward + backward session.run ${ms.toFixed(2)} ms (mean of 20, ${Object.keys(PARAMS).length} parameter gradients)`);
  });

  it("measures a decoder block's backward alone: node count and one forward + backward run (tiny and training width)", async () => {
    for (const [label, b, t, d, h, hkv, hd, mlp] of [["tiny", B, T, D, H, HKV, HD, MLP], ["training width (DESIGN.md section 9)", 8, 56, 128, 4, 1, 32, 512]] as const) {
      const shapes: Record<string, number[]> = {
        "layer.input_norm.weight": [d], "layer.q.weight": [h * hd, d], "layer.k.weight": [hkv * hd, d], "layer.v.weight": [hkv * hd, d],
        "layer.o.weight": [d, h * hd], "layer.post_norm.weight": [d], "layer.gate.weight": [mlp, d], "layer.up.weight": [mlp, d], "layer.down.weight": [d, mlp],
      };
      const build = (withGrad: boolean) => {
        const g = new Graph(`decoder_block_${withGrad ? "train" : "forward"}`);
        const params = new InputParams(shapes);
        const x = g.input("x", "float32", [b, t, d]);
        const side = { cos: g.input("cos", "float32", [b, t, hd / 2]), sin: g.input("sin", "float32", [b, t, hd / 2]), mask: g.input("mask", "float32", [b, 1, t, t]) };
        const y = decoderBlock(new GraphOps(g, params), x, side, { H: h, HKV: hkv });
        const forwardNodes = g.nodeCount;
        const wrt = [x, ...params.bound(g).values()];
        if (withGrad) grad(g, y, wrt, { seed: g.input("dy", "float32", [b, t, d]) }).forEach((dv, i) => g.output(dv, `grad_${wrt[i].name}`));
        g.output(y, "y");
        return { g, forwardNodes, backwardNodes: g.nodeCount - forwardNodes };
      };
      const rng = seededRng(3);
      const feeds: Record<string, Tensor> = {
        x: randNormal([b, t, d], rng), dy: randNormal([b, t, d], rng), cos: randNormal([b, t, hd / 2], rng), sin: randNormal([b, t, hd / 2], rng), mask: Tensor.zeros([b, 1, t, t]),
        ...Object.fromEntries(Object.entries(shapes).map(([n, sh]) => [n, randNormal(sh, rng, 0.05)])),
      };
      const train = build(true);
      const session = await getSession(train.g);
      const out = await session.run(feeds);
      expect(Object.values(out).every((o) => o.toArray().every(Number.isFinite))).toBe(true);
      const ms = await meanRunMs(session, feeds);
      const { dy: _dy, ...forwardFeeds } = feeds;
      const forwardMs = await meanRunMs(await getSession(build(false).g), forwardFeeds);
      const { forwardNodes } = train;
      console.log(`decoder block, ${label} (B=${b}, T=${t}, D=${d}, H=${h}/${hkv}, head ${hd}, MLP ${mlp}): forward ${forwardNodes} nodes, backward adds ${train.backwardNodes}; forward + backward session.run ${ms.toFixed(2)} ms (forward alone ${forwardMs.toFixed(2)} ms)`);
    }
  });
});

async function meanRunMs(session: OnnxSession, feeds: Record<string, Tensor>, runs = 20): Promise<number> {
  await session.run(feeds);
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await session.run(feeds);
  return (performance.now() - t0) / runs;
}

/** Weight init in the spirit of the real models: norms near 0 (Gemma 1 + w) or 1 (LayerNorm), others ~1/sqrt(fan_in). */
function weightInit(name: string): (rng: () => number) => number {
  const normal = (rng: () => number) => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  if (name.includes("norm") && name.startsWith("vision")) return (r) => (name.endsWith("weight") ? 1 : 0) + 0.1 * normal(r);
  if (name.includes("norm")) return (r) => 0.1 * normal(r);
  const fanIn = PARAMS[name].length > 1 ? PARAMS[name].slice(1).reduce((a, b) => a * b, 1) : 1;
  return (r) => normal(r) / Math.sqrt(fanIn);
}
