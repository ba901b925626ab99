/**
 * kernels.test.ts — the two implementations of `Ops` (EagerOps: the plain-TS reference kernels;
 * GraphOps: ONNX builders run by onnxruntime) tested against hand-computed values and against
 * each other.
 *
 * 1. Hand-computed values and properties, on BOTH implementations, so the reference itself can fail.
 * 2. Random inputs of several shapes, graph result vs reference result (two different
 *    implementations, never the reference against itself), with the edge cases that bite: length-1
 *    axes, huge softmax logits, head dims 8/20/72/256, GQA ratios 1/2/4 and MQA, masks with fully
 *    blocked entries and rows, soft-caps, sliding windows in prefill and decode, quantized linears,
 *    convolutions and transposed convolutions with strides, paddings and 1x1 inputs.
 * Tolerances are stated per case; maxdiffs are printed.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  type Graph, type Ops, type OpsFn, Tensor, TensorParams, type Value, conv2d, convTranspose2d, dequantizeBlockwise,
  dequantizePerChannelInt8, maxAbsDiff, quantizeBlockwise, quantizePerChannelInt8, randNormal, randUniform, runOps, seededRng,
} from "../src/index.ts";
import type { LinearWeight } from "../src/onnx/ops/linear.ts";
import { releaseAllSessions } from "../src/onnx/session.ts";

afterAll(() => releaseAllSessions());

const KINDS = ["reference", "onnx"] as const;
const t = (values: number[], shape: number[]) => Tensor.from(values, shape);

function close(label: string, got: Tensor, want: Tensor | number[], atol: number): void {
  if (want instanceof Tensor) expect([...got.shape], `${label} shape`).toEqual([...want.shape]);
  const d = maxAbsDiff(got, want instanceof Tensor ? want : Float32Array.from(want));
  console.log(`${label}: maxdiff=${d.toExponential(2)} (atol ${atol})`);
  expect(d, `${label} maxdiff ${d} > ${atol}`).toBeLessThanOrEqual(atol);
}

/** Sum of the elementwise product, in float64. */
function dot(a: Tensor, b: Tensor): number {
  const [av, bv] = [a.toFloat32(), b.toFloat32()];
  let s = 0;
  for (let i = 0; i < av.length; i++) s += av[i] * bv[i];
  return s;
}

/** fn on the graph implementation vs on the reference kernels. */
async function graphVsReference(label: string, fn: OpsFn<"one">, inputs: Record<string, Tensor>, params: Record<string, Tensor> | TensorParams, atol: number): Promise<Tensor> {
  const want = await runOps("reference", fn, inputs, params);
  const got = await runOps("onnx", fn, inputs, params);
  close(`graph vs reference: ${label}`, got, want, atol);
  expect(got.toArray().every(Number.isFinite), `${label}: finite`).toBe(true);
  return got;
}

describe.each(KINDS)("%s ops: hand-computed values", (kind) => {
  const rng = seededRng(2024);
  const run = (fn: OpsFn<"one">, inputs: Record<string, Tensor>, params: Record<string, Tensor> = {}) => runOps(kind, fn, inputs, params);

  it("linear: y = x W^T + b on known values", async () => {
    const y = await run((ops, x) => ops.linear(x.x, { weight: "w", bias: "b" }), { x: t([1, 2], [1, 2]) }, { w: t([1, 0, 0, 1, 1, 1], [3, 2]), b: t([0, 0, 1], [3]) });
    close(`${kind} linear known`, y, [1, 2, 4], 0);
  });

  it("softmax: known values; logits of 1e3 stay finite; a length-1 axis gives 1", async () => {
    close(`${kind} softmax [0, ln3]`, await run((ops, x) => ops.softmax(x.x), { x: t([0, Math.log(3)], [2]) }), [0.25, 0.75], 1e-6);
    close(`${kind} softmax huge`, await run((ops, x) => ops.softmax(x.x), { x: t([1000, 1001, -1000], [3]) }), [1 / (1 + Math.E), Math.E / (1 + Math.E), 0], 1e-6);
    close(`${kind} softmax length-1`, await run((ops, x) => ops.softmax(x.x), { x: randNormal([4, 1], rng) }), [1, 1, 1, 1], 0);
  });

  it("layerNorm: rows get mean 0 and variance 1; D = 1 gives the bias", async () => {
    const y = (await run((ops, x) => ops.layerNorm(x.x, null, null, 1e-6), { x: randNormal([3, 64], rng, 5, 2) })).toFloat32();
    for (let r = 0; r < 3; r++) {
      const row = y.subarray(r * 64, (r + 1) * 64);
      const mu = row.reduce((s, v) => s + v, 0) / 64;
      expect(Math.abs(mu)).toBeLessThan(1e-5);
      expect(Math.abs(row.reduce((s, x) => s + (x - mu) ** 2, 0) / 64 - 1)).toBeLessThan(1e-4);
    }
    close(`${kind} layerNorm D=1`, await run((ops, x) => ops.layerNorm(x.x, "w", "b", 1e-6), { x: t([3, -2], [2, 1]) }, { w: t([7], [1]), b: t([0.5], [1]) }), [0.5, 0.5], 0);
  });

  it("rmsNorm: scales by 1 + w (w = 0: rms 1); known [3, 4] row", async () => {
    const v = (await run((ops, x) => ops.rmsNorm(x.x, "w", 1e-6), { x: randNormal([2, 256], rng, 4) }, { w: Tensor.zeros([256]) })).toFloat32();
    for (let r = 0; r < 2; r++) expect(Math.abs(Math.sqrt(v.subarray(r * 256, (r + 1) * 256).reduce((s, a) => s + a * a, 0) / 256) - 1)).toBeLessThan(1e-5);
    close(`${kind} rmsNorm known`, await run((ops, x) => ops.rmsNorm(x.x, "w", 0), { x: t([3, 4], [1, 2]) }, { w: t([1, 0], [2]) }), [(3 / Math.sqrt(12.5)) * 2, 4 / Math.sqrt(12.5)], 1e-6);
  });

  it("geluTanh and softCap: known values", async () => {
    // gelu(1) = 0.8411919906, gelu(-1) = -0.1588080094
    close(`${kind} gelu known`, await run((ops, x) => ops.geluTanh(x.x), { x: t([0, 1, -1, 10, -10], [5]) }), [0, 0.8411919906, -0.1588080094, 10, 0], 1e-6);
    const xs = [0, 1, 30, -100, 1000];
    close(`${kind} softCap 30 known`, await run((ops, x) => ops.softCap(x.x, 30), { x: t(xs, [5]) }), xs.map((x) => 30 * Math.tanh(x / 30)), 1e-5);
  });

  it("rope: position 0 is the identity; angle pi/2 maps [x1, x2] to [-x2, x1] in every head", async () => {
    const x = randNormal([1, 2, 2 * 4], rng); // 2 tokens, 2 heads of D = 4
    const cos = t([1, 1, 0, 0], [1, 2, 2]); // token 0: angle 0; token 1: angle pi/2 (both pairs)
    const sin = t([0, 0, 1, 1], [1, 2, 2]);
    const y = (await run((ops, v) => ops.rope(v.x, v.cos, v.sin, 2), { x, cos, sin })).toFloat32();
    const xv = x.toFloat32();
    close(`${kind} rope identity`, Tensor.from(y.slice(0, 8)), Array.from(xv.slice(0, 8)), 0);
    const want: number[] = [];
    for (const h of [0, 1]) {
      const o = 8 + h * 4;
      want.push(-xv[o + 2], -xv[o + 3], xv[o], xv[o + 1]);
    }
    close(`${kind} rope quarter turn`, Tensor.from(y.slice(8)), want, 1e-6);
  });

  it("attention: constant v; a one-hot mask picks a key; a fully blocked row gives 0; a window of 1 sees only itself", async () => {
    const attn = (o: { numHeads: number; numKvHeads: number; window?: number }): OpsFn<"one"> => (ops, x) => ops.attention(x.q, x.k, x.v, x.mask ?? null, o);
    const q = randNormal([1, 3, 2 * 8], rng); // [B, Tq, H*D], H = 2
    const k = randNormal([1, 4, 8], rng); // one kv head, Tk = 4
    close(`${kind} attn constant v`, await run(attn({ numHeads: 2, numKvHeads: 1 }), { q, k, v: Tensor.full([1, 4, 8], 0.5) }), Tensor.full([1, 3, 16], 0.5), 1e-6);
    const v = randNormal([1, 4, 8], rng);
    const only2 = new Float32Array(12).fill(-Infinity);
    for (let i = 0; i < 2; i++) only2[i * 4 + 2] = 0; // queries 0, 1 see key 2 only; query 2 sees nothing
    const out = (await run(attn({ numHeads: 2, numKvHeads: 1 }), { q, k, v, mask: new Tensor("float32", [1, 1, 3, 4], only2) })).toFloat32(); // [1, 3, 16]
    const v2 = Array.from(v.toFloat32().subarray(16, 24));
    for (const i of [0, 1]) close(`${kind} attn one-hot q${i}`, Tensor.from(out.slice(i * 16, i * 16 + 16)), [...v2, ...v2], 1e-6);
    close(`${kind} attn blocked row`, Tensor.from(out.slice(32, 48)), new Array(16).fill(0), 0);
    const causal = new Float32Array(12).fill(-Infinity); // queries are slots 1..3 of 4; the window limits only the past
    for (let i = 0; i < 3; i++) causal.fill(0, i * 4, i * 4 + i + 2);
    const self = (await run(attn({ numHeads: 2, numKvHeads: 1, window: 1 }), { q, k, v, mask: new Tensor("float32", [1, 1, 3, 4], causal) })).toFloat32();
    for (const i of [0, 1, 2]) {
      const vi = Array.from(v.toFloat32().subarray((i + 1) * 8, (i + 2) * 8));
      close(`${kind} attn window 1 q${i}`, Tensor.from(self.slice(i * 16, i * 16 + 16)), [...vi, ...vi], 1e-6);
    }
  });

  it("patchEmbed: a weight that copies pixel (0, 0) of channel c", async () => {
    const px = randNormal([1, 3, 4, 4], rng);
    const w = Tensor.zeros([3, 3, 2, 2]);
    for (let c = 0; c < 3; c++) (w.data as Float32Array)[c * 12 + c * 4] = 1; // w[c, c, 0, 0] = 1
    const y = await run((ops, x) => ops.patchEmbed(x.px, "w", null, 2), { px }, { w }); // [1, 4, 3]
    const expected: number[] = [];
    for (const [i, j] of [[0, 0], [0, 2], [2, 0], [2, 2]]) for (let c = 0; c < 3; c++) expected.push(px.get(0, c, i, j));
    expect([...y.shape]).toEqual([1, 4, 3]);
    close(`${kind} patchEmbed pick`, y, expected, 0);
  });

  it("conv2d: a 3x3 box sum with padding 1 counts the neighbours; stride 2 keeps every other window", async () => {
    const x = Tensor.full([1, 1, 3, 3], 1);
    const y = await run((ops, v) => ops.conv2d(v.x, "w", "b", { padding: 1 }), { x }, { w: Tensor.full([1, 1, 3, 3], 1), b: t([0.5], [1]) }); // [1, 1, 3, 3]
    close(`${kind} conv2d box sum`, y, t([4, 6, 4, 6, 9, 6, 4, 6, 4].map((n) => n + 0.5), [1, 1, 3, 3]), 0);
    const ramp = Tensor.arange(16).reshape([1, 1, 4, 4]);
    const s2 = await run((ops, v) => ops.conv2d(v.x, "w", null, { stride: 2 }), { x: ramp }, { w: t([1, 0, 0, 0], [1, 1, 2, 2]) }); // top-left of each 2x2
    close(`${kind} conv2d stride 2`, s2, t([0, 2, 8, 10], [1, 1, 2, 2]), 0);
    const mix = await run((ops, v) => ops.conv2d(v.x, "w", null), { x: t([1, 2, 3, 4], [1, 2, 1, 2]) }, { w: t([1, 10, -1, 1], [2, 2, 1, 1]) }); // 1x1: channel mixing
    close(`${kind} conv2d 1x1`, mix, t([31, 42, 2, 2], [1, 2, 1, 2]), 0);
  });

  it("convTranspose2d: each pixel stamps its filter stride apart; overlaps add; padding crops; outputPadding extends", async () => {
    const x = t([1, 2, 3, 4], [1, 1, 2, 2]);
    const ones = { w: Tensor.full([1, 1, 2, 2], 1) };
    const up = await run((ops, v) => ops.convTranspose2d(v.x, "w", null, { stride: 2 }), { x }, ones); // [1, 1, 4, 4]: nearest-neighbour upsampling
    close(`${kind} convT stride 2`, up, t([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], [1, 1, 4, 4]), 0);
    const overlap = await run((ops, v) => ops.convTranspose2d(v.x, "w", "b", { stride: 1 }), { x }, { ...ones, b: t([0.5], [1]) }); // [1, 1, 3, 3]
    close(`${kind} convT overlaps add`, overlap, t([1, 3, 2, 4, 10, 6, 3, 7, 4].map((n) => n + 0.5), [1, 1, 3, 3]), 0);
    const cropped = await run((ops, v) => ops.convTranspose2d(v.x, "w", null, { stride: 1, padding: 1 }), { x }, { w: Tensor.full([1, 1, 3, 3], 1) }); // [1, 1, 2, 2]
    close(`${kind} convT padding crops`, cropped, t([10, 10, 10, 10], [1, 1, 2, 2]), 0);
    const extended = await run((ops, v) => ops.convTranspose2d(v.x, "w", null, { stride: 2, outputPadding: 1 }), { x: t([5], [1, 1, 1, 1]) }, ones); // [1, 1, 3, 3]
    close(`${kind} convT outputPadding`, extended, t([5, 5, 0, 5, 5, 0, 0, 0, 0], [1, 1, 3, 3]), 0);
    const cio = await run((ops, v) => ops.convTranspose2d(v.x, "w", null), { x: t([1, 2], [1, 2, 1, 1]) }, { w: t([1, 2, 3, 10, 20, 30], [2, 3, 1, 1]) }); // weight [C_in, C_out, 1, 1]
    close(`${kind} convT channels`, cio, t([21, 42, 63], [1, 3, 1, 1]), 0);
  });

  it("relu: max(x, 0)", async () => {
    close(`${kind} relu`, await run((ops, v) => ops.relu(v.x), { x: t([-2, -0.5, 0, 0.5, 3e38], [5]) }), [0, 0, 0, 0.5, 3e38], 0);
  });

  it("matmul, sub, div, exp, sqrt, logSigmoid, logSoftmax, reduceSum/Mean: known values", async () => {
    close(`${kind} matmul 2x2`, await run((ops, x) => ops.matmul(x.a, x.b), { a: t([1, 2, 3, 4], [2, 2]), b: t([5, 6, 7, 8], [2, 2]) }), [19, 22, 43, 50], 0);
    close(`${kind} sub/div`, await run((ops, x) => ops.div(ops.sub(x.a, 1), x.b), { a: t([3, 5], [2]), b: t([2, 8], [2]) }), [1, 0.5], 0);
    close(`${kind} exp/sqrt`, await run((ops, x) => ops.sqrt(ops.exp(x.a)), { a: t([0, 2], [2]) }), [1, Math.E], 1e-6);
    // log sigmoid stays finite where log(1 / (1 + e^-x)) overflows: -1000 -> -1000, 1000 -> 0
    close(`${kind} logSigmoid`, await run((ops, x) => ops.logSigmoid(x.a), { a: t([-1000, 0, 1000], [3]) }), [-1000, -Math.log(2), 0], 1e-5);
    close(`${kind} logSoftmax huge`, await run((ops, x) => ops.logSoftmax(x.a), { a: t([1000, 1000, -1000], [3]) }), [-Math.log(2), -Math.log(2), -2000 - Math.log(2)], 1e-3);
    const x = t([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    close(`${kind} reduceSum [0, 2]`, await run((ops, v) => ops.reduceSum(v.x, [0, 2]), { x }), [6, 15], 0);
    close(`${kind} reduceMean [-1] keepDims`, await run((ops, v) => ops.reduceMean(v.x, [-1], true), { x }), t([2, 5], [1, 2, 1]), 0);
  });

  it("reshape (0 keeps an axis, -1 infers), transpose, concat (with an empty part), slice, gather", async () => {
    const x = t([0, 1, 2, 3, 4, 5], [1, 2, 3]);
    close(`${kind} reshape`, await run((ops, v) => ops.reshape(v.x, [0, 3, -1]), { x }), t([0, 1, 2, 3, 4, 5], [1, 3, 2]), 0);
    close(`${kind} transpose`, await run((ops, v) => ops.transpose(v.x, [0, 2, 1]), { x }), t([0, 3, 1, 4, 2, 5], [1, 3, 2]), 0);
    close(`${kind} concat`, await run((ops, v) => ops.concat([v.e, v.x, v.x], 1), { x, e: Tensor.zeros([1, 0, 3]) }), t([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5], [1, 4, 3]), 0);
    close(`${kind} slice`, await run((ops, v) => ops.slice(v.x, 2, 1, 3), { x }), t([1, 2, 4, 5], [1, 2, 2]), 0);
    const ids = new Tensor("int64", [2, 2], new BigInt64Array([2n, 0n, 1n, 2n]));
    close(`${kind} gather`, await run((ops, v) => ops.gather(v.table, v.ids), { table: t([10, 11, 20, 21, 30, 31], [3, 2]), ids }), t([30, 31, 10, 11, 20, 21, 30, 31], [2, 2, 2]), 0);
  });
});

describe("graph ops vs reference kernels on random inputs", () => {
  const rng = seededRng(7);

  it("linear, float weights: shapes incl. length-1, with/without bias (atol 1e-5, 2e-4 at in=512)", async () => {
    const cases: [number[], number[], boolean, number][] = [[[1, 1], [1, 1], true, 1e-5], [[2, 3, 8], [6, 8], true, 1e-5], [[5, 64], [32, 64], false, 3e-5], [[1, 7, 512], [48, 512], true, 2e-4]];
    for (const [sx, sw, withBias, atol] of cases) {
      const params: Record<string, Tensor> = { w: randNormal(sw, rng) };
      if (withBias) params.b = randNormal([sw[0]], rng);
      await graphVsReference(`linear x[${sx}] w[${sw}] bias=${withBias}`, (ops, x) => ops.linear(x.x, { weight: "w", bias: withBias ? "b" : null }), { x: randNormal(sx, rng) }, params, atol);
    }
  });

  it("linear, quantized weights (int8 per channel, MatMulNBits int8/int4) vs the reference on the dequantized weight", async () => {
    const [N, K] = [24, 160]; // K not a multiple of the block: a padded last block
    const w = randNormal([N, K], rng, 0.3);
    const b = randNormal([N], rng);
    const x = randNormal([2, 5, K], rng);
    const int8 = quantizePerChannelInt8(w.toFloat32(), N, K);
    const forms: [string, (g: Graph) => LinearWeight, Tensor, number][] = [
      ["int8 per channel", (g) => ({ kind: "int8", weight: g.initializer("w.int8", int8.weight, { int8: true }), scales: g.initializer("w.scales", int8.scales) }), dequantizePerChannelInt8(int8), 0.15], // x is quantized too (one scale per call)
      ...([8, 4] as const).map((bits): [string, (g: Graph) => LinearWeight, Tensor, number] => {
        const q = quantizeBlockwise(w.toFloat32(), N, K, bits, 32);
        const form = (g: Graph): LinearWeight => ({ kind: "nbits", N, K, bits, blockSize: 32, accuracyLevel: 0, packed: g.initializer("w.p", q.packed), scales: g.initializer("w.s", q.scales), zeroPoints: g.initializer("w.z", q.zeroPoints) });
        return [`MatMulNBits int${bits}`, form, dequantizeBlockwise(q), 1e-4];
      }),
    ];
    for (const [label, form, deq, atol] of forms) {
      class Quantized extends TensorParams {
        override linearWeight(g: Graph, name: string, float: () => Value): LinearWeight {
          return name === "w" ? form(g) : super.linearWeight(g, name, float);
        }
      }
      const fn: OpsFn<"one"> = (ops, v) => ops.linear(v.x, { weight: "w", bias: "b" });
      const got = await runOps("onnx", fn, { x }, new Quantized({ w, b }));
      const want = await runOps("reference", fn, { x }, { w: deq, b });
      close(`graph vs reference: linear ${label}`, got, want, atol);
    }
  });

  it("add, mul: broadcasting shapes and scalars (atol 1e-6)", async () => {
    const cases: [number[], number[]][] = [[[1], [1]], [[2, 3, 4], [4]], [[2, 1, 4], [3, 1]], [[1, 5], [7, 1, 5]]];
    for (const [sa, sb] of cases) {
      const inputs = { a: randNormal(sa, rng), b: randNormal(sb, rng) };
      await graphVsReference(`add [${sa}]+[${sb}]`, (ops, v) => ops.add(v.a, v.b), inputs, {}, 1e-6);
      await graphVsReference(`mul [${sa}]*[${sb}] * 0.5`, (ops, v) => ops.mul(ops.mul(v.a, v.b), 0.5), inputs, {}, 1e-6);
    }
  });

  it("matmul (batched, broadcast, K=1024), sub/div broadcasting, exp/sqrt/logSigmoid over wide ranges (atol 1e-5 relative to size)", async () => {
    const mm: [number[], number[], number][] = [[[1, 1], [1, 1], 1e-5], [[3, 5], [5, 4], 1e-5], [[2, 3, 7, 16], [2, 3, 16, 5], 1e-5], [[2, 1, 4, 8], [3, 8, 2], 1e-5], [[4, 1024], [1024, 8], 2e-4]];
    for (const [sa, sb, atol] of mm) await graphVsReference(`matmul [${sa}]@[${sb}]`, (ops, v) => ops.matmul(v.a, v.b), { a: randNormal(sa, rng), b: randNormal(sb, rng) }, {}, atol);
    const inputs = { a: randNormal([2, 3, 4], rng), b: randUniform([3, 1], rng, 0.5, 2) };
    await graphVsReference("sub/div broadcast", (ops, v) => ops.div(ops.sub(v.a, v.b), ops.sub(v.b, 3)), inputs, {}, 1e-6);
    await graphVsReference("exp [-20, 20] / 1e8", (ops, v) => ops.mul(ops.exp(v.a), 1e-8), { a: randUniform([50], rng, -20, 20) }, {}, 1e-6);
    await graphVsReference("sqrt [0, 100]", (ops, v) => ops.sqrt(v.a), { a: randUniform([50], rng, 0, 100) }, {}, 1e-5);
    await graphVsReference("logSigmoid [-200, 200]", (ops, v) => ops.logSigmoid(v.a), { a: randUniform([200], rng, -200, 200) }, {}, 2e-5);
  });

  it("logSoftmax (several axes, magnitudes 1e4) and reduceSum/Mean over axis sets (atol 1e-5)", async () => {
    for (const [shape, axis, scale] of [[[1], -1, 1], [[3, 7], 0, 1], [[2, 3, 5], 1, 1], [[4, 33], -1, 1e4]] as [number[], number, number][]) {
      await graphVsReference(`logSoftmax [${shape}] axis ${axis} scale ${scale}`, (ops, v) => ops.logSoftmax(v.x, axis), { x: randNormal(shape, rng, scale) }, {}, scale > 1 ? 2e-3 : 1e-5);
    }
    const x = randNormal([2, 3, 4, 5], rng);
    for (const [axes, keep] of [[[0], false], [[1, 3], true], [[-1], false], [[0, 1, 2, 3], false]] as [number[], boolean][]) {
      await graphVsReference(`reduceSum ${axes} keep ${keep}`, (ops, v) => ops.reduceSum(v.x, axes, keep), { x }, {}, 1e-5);
      await graphVsReference(`reduceMean ${axes} keep ${keep}`, (ops, v) => ops.reduceMean(v.x, axes, keep), { x }, {}, 1e-6);
    }
  });

  it("softmax over several axes, incl. logits of magnitude 1e4 (atol 1e-6)", async () => {
    const cases: [number[], number, number][] = [[[1], -1, 1], [[3, 7], 0, 1], [[2, 3, 5], 1, 1], [[4, 33], -1, 1e4]];
    for (const [shape, axis, scale] of cases) await graphVsReference(`softmax [${shape}] axis ${axis} scale ${scale}`, (ops, v) => ops.softmax(v.x, axis), { x: randNormal(shape, rng, scale) }, {}, 1e-6);
  });

  it("layerNorm and rmsNorm: shapes incl. D = 1 and 2304, with and without weights, both rmsNorm offsets (atol 1e-5)", async () => {
    const ln: [number[], boolean, number][] = [[[1, 1], true, 1e-5], [[3, 16], true, 1e-6], [[2, 4, 32], false, 1e-5], [[1, 5, 1152], true, 1e-6]];
    for (const [shape, affine, eps] of ln) {
      const D = shape[shape.length - 1];
      const params: Record<string, Tensor> = affine ? { w: randNormal([D], rng), b: randNormal([D], rng) } : {};
      await graphVsReference(`layerNorm [${shape}] affine=${affine}`, (ops, v) => ops.layerNorm(v.x, affine ? "w" : null, affine ? "b" : null, eps), { x: randNormal(shape, rng, 3) }, params, 1e-5);
    }
    const rms: [number[], boolean | null, number][] = [[[1, 1], true, 1e-6], [[3, 16], false, 1e-6], [[2, 5, 256], true, 1e-5], [[4, 2304], null, 1e-6]];
    for (const [shape, unitOffset, eps] of rms) {
      const D = shape[shape.length - 1];
      const params: Record<string, Tensor> = unitOffset === null ? {} : { w: randNormal([D], rng, 0.5) };
      const fn: OpsFn<"one"> = (ops, v) => ops.rmsNorm(v.x, unitOffset === null ? null : "w", eps, { unitOffset: unitOffset ?? true });
      await graphVsReference(`rmsNorm [${shape}] unitOffset=${unitOffset}`, fn, { x: randNormal(shape, rng, 2) }, params, 1e-5);
    }
  });

  it("geluTanh and softCap: large magnitudes too (atol 1e-5)", async () => {
    for (const [shape, std] of [[[1], 1], [[3, 17], 1], [[2, 4, 64], 6]] as [number[], number][]) {
      await graphVsReference(`gelu [${shape}] std ${std}`, (ops, v) => ops.geluTanh(v.x), { x: randNormal(shape, rng, std) }, {}, 1e-5);
    }
    for (const [cap, std] of [[30, 50], [1, 3], [50, 0.1]]) {
      await graphVsReference(`softCap ${cap} std ${std}`, (ops, v) => ops.softCap(v.x, cap), { x: randNormal([3, 40], rng, std) }, {}, 2e-5 * cap);
    }
  });

  it("rope: head dims 2/8/20/256, several heads, arbitrary (left-padded, 1-based) positions (atol 1e-5)", async () => {
    const cases: [number, number, number, number][] = [[1, 1, 1, 2], [2, 3, 4, 8], [1, 5, 3, 20], [2, 4, 2, 256]]; // B, T, H, D
    for (const [B, T, H, D] of cases) {
      const ang = randUniform([B, T, D / 2], rng, 0, 300); // positions up to ~300 times inv_freq
      const cos = new Tensor("float32", ang.shape, ang.toFloat32().map(Math.cos));
      const sin = new Tensor("float32", ang.shape, ang.toFloat32().map(Math.sin));
      await graphVsReference(`rope B${B} T${T} H${H} D${D}`, (ops, v) => ops.rope(v.x, v.cos, v.sin, H), { x: randNormal([B, T, H * D], rng, 2), cos, sin }, {}, 1e-5);
    }
  });

  // [B, H, Hkv, Tq, Tk, D, mask kind, scale, softcap, window, atol]
  type Case = [number, number, number, number, number, number, "none" | "causal" | "batch" | "blocked", number | undefined, number, number | null, number];
  const attentionCases: Case[] = [
    [1, 1, 1, 1, 1, 8, "none", undefined, 0, null, 1e-5], // length-1 everything
    [2, 4, 4, 5, 7, 64, "causal", undefined, 0, null, 1e-5], // GQA ratio 1 (MHA), queries are the last 5 of 7 slots
    [1, 8, 4, 6, 6, 72, "batch", undefined, 0, null, 1e-5], // ratio 2, head dim 72 (SigLIP So400m)
    [2, 8, 2, 3, 9, 256, "blocked", undefined, 0, null, 1e-4], // ratio 4, head dim 256 (Gemma)
    [2, 8, 1, 4, 4, 256, "causal", 1 / 16, 0, null, 1e-4], // MQA (PaliGemma 1)
    [1, 8, 4, 5, 5, 256, "batch", 1 / Math.sqrt(224), 50, null, 1e-4], // Gemma 2: query_pre_attn_scalar, softcap 50
    [1, 4, 2, 4, 6, 32, "blocked", 0.5, 1, null, 1e-5], // softcap 1 changes every score
    [2, 4, 2, 7, 7, 20, "causal", undefined, 5, 3, 1e-5], // Gemma 2 local layer, prefill: window 3 < T
    [1, 3, 1, 1, 9, 16, "batch", undefined, 8, 4, 1e-5], // local layer, decode step at slot 8
    [1, 2, 2, 3, 5, 12, "none", undefined, 0, 2, 1e-5], // a window without a mask
    [1, 2, 1, 4, 4, 8, "causal", undefined, 0, 100, 1e-5], // a window that never bites
  ];

  it.each(attentionCases)("attention B%i H%i Hkv%i Tq%i Tk%i D%i mask=%s scale=%s softcap=%s window=%s (atol %s)", async (B, H, Hkv, Tq, Tk, D, kind, scale, softcap, window, atol) => {
    let mask: Tensor | null = null;
    if (kind === "causal") {
      const m = new Float32Array(Tq * Tk);
      for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) m[i * Tk + j] = j > i + Tk - Tq ? -Infinity : 0;
      mask = new Tensor("float32", [1, 1, Tq, Tk], m);
    } else if (kind === "batch") {
      mask = randUniform([B, 1, Tq, Tk], rng, -4, 0); // arbitrary additive values per batch row
      (mask.data as Float32Array)[Tk - 1] = -Infinity; // a blocked entry
    } else if (kind === "blocked") {
      const m = randUniform([B, 1, Tq, Tk], rng, -2, 0).toFloat32();
      for (let j = 0; j < Tk; j++) m[j] = -Infinity; // batch 0, query 0: every key blocked -> zeros
      m[Tq * Tk + 1] = -Infinity;
      mask = new Tensor("float32", [B, 1, Tq, Tk], m);
    }
    const inputs: Record<string, Tensor> = { q: randNormal([B, Tq, H * D], rng), k: randNormal([B, Tk, Hkv * D], rng), v: randNormal([B, Tk, Hkv * D], rng) };
    if (mask) inputs.mask = mask;
    const opts = { numHeads: H, numKvHeads: Hkv, scale, softcap, window };
    await graphVsReference(`attention ${kind} D${D} window ${window}`, (ops, x) => ops.attention(x.q, x.k, x.v, x.mask ?? null, opts), inputs, {}, atol);
  });

  it("patchEmbed: P = 1, 4, 14, with/without bias, vs conv2d as well (atol 1e-5, 1e-4 at P=14)", async () => {
    const cases: [number[], number, number, boolean, number][] = [[[1, 3, 3, 3], 1, 4, true, 1e-5], [[2, 3, 8, 8], 4, 5, false, 1e-5], [[1, 3, 28, 28], 14, 16, true, 1e-4]];
    for (const [shape, P, D, withBias, atol] of cases) {
      const x = randNormal(shape, rng);
      const params: Record<string, Tensor> = { w: randNormal([D, 3, P, P], rng, 0.2) };
      if (withBias) params.b = randNormal([D], rng);
      const got = await graphVsReference(`patchEmbed [${shape}] P${P}`, (ops, v) => ops.patchEmbed(v.x, "w", withBias ? "b" : null, P), { x }, params, atol);
      const conv = conv2d(x, params.w, params.b ?? null, { stride: P }); // [B, D, h, w], the direct definition
      close(`patchEmbed [${shape}] P${P} vs conv2d`, got, conv.reshape([conv.shape[0], D, -1]).transpose(1, 2), atol);
    }
  });

  it("conv2d: kernels 1/3/4, strides 1-3, paddings 0-2, 1x1 inputs, with/without bias, vs the reference and a slow loop (atol 1e-4)", async () => {
    // [x shape, weight shape, stride, padding, bias]
    const cases: [number[], number[], number | [number, number], number | [number, number], boolean][] = [
      [[1, 1, 1, 1], [1, 1, 1, 1], 1, 0, true], [[1, 3, 1, 1], [4, 3, 3, 3], 1, 1, false], [[2, 5, 7, 6], [3, 5, 3, 3], 2, 1, true],
      [[1, 16, 4, 4], [8, 16, 1, 1], 1, 0, true], [[1, 4, 9, 5], [2, 4, 4, 4], [3, 2], [2, 0], true], [[1, 128, 4, 4], [128, 128, 3, 3], 1, 1, true],
    ];
    for (const [sx, sw, stride, padding, withBias] of cases) {
      const params: Record<string, Tensor> = { w: randNormal(sw, rng, 0.3) };
      if (withBias) params.b = randNormal([sw[0]], rng);
      const x = randNormal(sx, rng);
      const got = await graphVsReference(`conv2d x[${sx}] w[${sw}] s${stride} p${padding}`, (ops, v) => ops.conv2d(v.x, "w", withBias ? "b" : null, { stride, padding }), { x }, params, 1e-4);
      close(`conv2d x[${sx}] vs the direct kernel`, got, conv2d(x, params.w, params.b ?? null, { stride, padding }), 1e-4);
    }
  });

  it("convTranspose2d: the mask decoder's k4 s2 p1 (doubles H, W), odd kernels, output padding, 1x1 inputs, vs the reference and conv2d's adjoint (atol 1e-4)", async () => {
    // [x shape, weight shape [C_in, C_out, kh, kw], stride, padding, output padding, bias]
    const cases: [number[], number[], number, number, number, boolean][] = [
      [[1, 1, 1, 1], [1, 1, 1, 1], 1, 0, 0, false], [[1, 2, 1, 1], [2, 3, 4, 4], 2, 1, 0, false], [[2, 6, 4, 4], [6, 5, 4, 4], 2, 1, 0, true],
      [[1, 3, 5, 3], [3, 2, 3, 3], 3, 1, 2, true], [[1, 4, 2, 6], [4, 4, 5, 5], 1, 2, 0, false], [[1, 32, 8, 8], [32, 16, 4, 4], 2, 1, 0, true],
    ];
    for (const [sx, sw, stride, padding, outputPadding, withBias] of cases) {
      const params: Record<string, Tensor> = { w: randNormal(sw, rng, 0.3) };
      if (withBias) params.b = randNormal([sw[1]], rng);
      const x = randNormal(sx, rng);
      const opts = { stride, padding, outputPadding };
      const got = await graphVsReference(`convT x[${sx}] w[${sw}] s${stride} p${padding} op${outputPadding}`, (ops, v) => ops.convTranspose2d(v.x, "w", withBias ? "b" : null, opts), { x }, params, 1e-4);
      const [N, , H, W] = sx;
      expect([...got.shape]).toEqual([N, sw[1], (H - 1) * stride - 2 * padding + sw[2] + outputPadding, (W - 1) * stride - 2 * padding + sw[3] + outputPadding]);
      if (withBias) continue;
      // adjoint identity: <convT(x), y> = <x, conv2d(y)> with the same weight read as [C_out=C_in, C_in=C_out, kh, kw]
      const y = randNormal([...got.shape], rng);
      const lhs = dot(got, y);
      const rhs = dot(x, conv2d(y, params.w, null, { stride, padding }).slice(2, 0, H).slice(3, 0, W));
      console.log(`convT x[${sx}] adjoint: <convT x, y> ${lhs.toFixed(4)} vs <x, conv y> ${rhs.toFixed(4)}`);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * (1 + Math.abs(lhs)));
    }
    close("convTranspose2d direct kernel 1x1", convTranspose2d(t([2], [1, 1, 1, 1]), t([3], [1, 1, 1, 1]), t([1], [1])), [7], 0);
  });

  it("relu over a wide range, and relu(conv) chains in one graph (atol 1e-5)", async () => {
    await graphVsReference("relu [-1e3, 1e3]", (ops, v) => ops.relu(v.x), { x: randUniform([3, 50], rng, -1e3, 1e3) }, {}, 0);
    await graphVsReference("conv -> relu -> convT -> relu", (ops, v) => ops.relu(ops.convTranspose2d(ops.relu(ops.conv2d(v.x, "a", "ab", { padding: 1 })), "b", null, { stride: 2, padding: 1 })), { x: randNormal([1, 4, 3, 3], rng) }, { a: randNormal([6, 4, 3, 3], rng, 0.3), ab: randNormal([6], rng), b: randNormal([6, 2, 4, 4], rng, 0.3) }, 1e-5);
  });

  it("a composed block (norm -> linear -> rope -> attention with a cache-style concat -> residual) (atol 2e-5)", async () => {
    const [B, T, Tp, H, Hkv, D, C] = [2, 3, 4, 4, 2, 6, 16];
    const params = { n: randNormal([C], rng, 0.2), q: randNormal([H * D, C], rng, 0.3), k: randNormal([Hkv * D, C], rng, 0.3), v: randNormal([Hkv * D, C], rng, 0.3), o: randNormal([C, H * D], rng, 0.3) };
    const ang = randUniform([B, T, D / 2], rng, 0, 10);
    const inputs = {
      x: randNormal([B, T, C], rng), pk: randNormal([B, Tp, Hkv * D], rng), pv: randNormal([B, Tp, Hkv * D], rng),
      cos: new Tensor("float32", ang.shape, ang.toFloat32().map(Math.cos)), sin: new Tensor("float32", ang.shape, ang.toFloat32().map(Math.sin)),
    };
    const block = <T>(ops: Ops<T>, x: Record<string, T>): T => {
      const h = ops.rmsNorm(x.x, "n", 1e-6);
      const q = ops.rope(ops.linear(h, { weight: "q" }), x.cos, x.sin, H);
      const k = ops.concat([x.pk, ops.rope(ops.linear(h, { weight: "k" }), x.cos, x.sin, Hkv)], 1);
      const v = ops.concat([x.pv, ops.linear(h, { weight: "v" })], 1);
      return ops.add(x.x, ops.linear(ops.attention(q, k, v, null, { numHeads: H, numKvHeads: Hkv, softcap: 3, window: 5 }), { weight: "o" }));
    };
    await graphVsReference("composed block", block, inputs, params, 2e-5);
  });
});
