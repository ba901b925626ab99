/**
 * kernels.test.ts — ONE suite run on every backend (reference, onnx): each kernel is checked on
 * hand-computed values and properties (so the reference itself can fail), then against the
 * reference ops on seeded random inputs of several shapes, with the edge cases that bite:
 * length-1 axes, huge softmax logits, head dims 256 and 72, GQA ratios 1/2/4 and MQA, masks with
 * fully blocked entries and rows, soft-capping. Tolerances are stated per test; maxdiffs are printed.
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  Tensor, conv2d, geluTanh, layerNorm, linear, matmul, maxAbsDiff, randNormal, randUniform, rmsNorm,
  scaledDotProductAttention, seededRng, softmax,
} from "../src/index.ts";
import { type Backend, referenceBackend } from "../src/onnx/backend.ts";
import { KERNEL_NAMES } from "../src/onnx/kernel_names.ts";
import { onnxBackend } from "../src/onnx/onnx_backend.ts";
import { releaseAllSessions } from "../src/onnx/session.ts";

afterAll(() => releaseAllSessions());

function close(label: string, got: Tensor, want: Tensor | number[], atol: number): void {
  if (want instanceof Tensor) expect([...got.shape], `${label} shape`).toEqual([...want.shape]);
  const d = maxAbsDiff(got, want instanceof Tensor ? want : Float32Array.from(want));
  console.log(`${label}: maxdiff=${d.toExponential(2)} (atol ${atol})`);
  expect(d, `${label} maxdiff ${d} > ${atol}`).toBeLessThanOrEqual(atol);
}

const t = (values: number[], shape: number[]) => Tensor.from(values, shape);

describe.each([referenceBackend, onnxBackend])("$name backend", (be: Backend) => {
  const rng = seededRng(2024);
  const tag = (s: string) => `${be.name} ${s}`;

  it("implements every kernel in kernel_names.ts", () => {
    for (const k of KERNEL_NAMES) expect(typeof (be as unknown as Record<string, unknown>)[k], k).toBe("function");
  });

  it("matmul: known product; random shapes incl. length-1, batched, broadcast, K=1024 (atol 1e-5, 2e-4 at K=1024)", async () => {
    close(tag("matmul 2x2"), await be.matmul(t([1, 2, 3, 4], [2, 2]), t([5, 6, 7, 8], [2, 2])), [19, 22, 43, 50], 0);
    const cases: [number[], number[], number][] = [
      [[1, 1], [1, 1], 1e-5],
      [[3, 5], [5, 4], 1e-5],
      [[2, 3, 7, 16], [2, 3, 16, 5], 1e-5],
      [[2, 1, 4, 8], [3, 8, 2], 1e-5],
      [[4, 1024], [1024, 8], 2e-4], // |y| ~ 30-100: float32 summation order differs from the float64 reference
    ];
    for (const [sa, sb, atol] of cases) {
      const a = randNormal(sa, rng);
      const b = randNormal(sb, rng);
      close(tag(`matmul [${sa}]@[${sb}]`), await be.matmul(a, b), matmul(a, b), atol);
    }
  });

  it("linear: y = x W^T + b known values; random shapes with/without bias (atol 1e-5, 3e-5 at in=64, 2e-4 at in=512)", async () => {
    const W = t([1, 0, 0, 1, 1, 1], [3, 2]);
    close(tag("linear known"), await be.linear(t([1, 2], [1, 2]), W, t([0, 0, 1], [3])), [1, 2, 4], 0);
    const cases: [number[], number[], boolean, number][] = [
      [[1, 1], [1, 1], true, 1e-5],
      [[2, 3, 8], [6, 8], true, 1e-5],
      [[5, 64], [32, 64], false, 3e-5],
      [[1, 7, 512], [48, 512], true, 2e-4],
    ];
    for (const [sx, sw, withBias, atol] of cases) {
      const x = randNormal(sx, rng);
      const w = randNormal(sw, rng);
      const b = withBias ? randNormal([sw[0]], rng) : null;
      close(tag(`linear x[${sx}] w[${sw}] bias=${withBias}`), await be.linear(x, w, b), linear(x, w, b), atol);
    }
  });

  it("softmax: known values, length-1 axes, other axes, logits of magnitude 1e3..1e4 stay finite (atol 1e-6)", async () => {
    close(tag("softmax [0, ln3]"), await be.softmax(t([0, Math.log(3)], [2])), [0.25, 0.75], 1e-6);
    close(tag("softmax huge"), await be.softmax(t([1000, 1001, -1000], [3])), [1 / (1 + Math.E), Math.E / (1 + Math.E), 0], 1e-6);
    close(tag("softmax length-1 axis"), await be.softmax(randNormal([4, 1], rng)), [1, 1, 1, 1], 0);
    const cases: [number[], number, number][] = [[[1], -1, 1], [[3, 7], 0, 1], [[2, 3, 5], 1, 1], [[4, 33], -1, 1e4]];
    for (const [shape, axis, scale] of cases) {
      const x = randNormal(shape, rng, scale);
      const y = await be.softmax(x, axis);
      expect(y.toArray().every(Number.isFinite), tag("finite")).toBe(true);
      close(tag(`softmax [${shape}] axis ${axis} scale ${scale}`), y, softmax(x, axis), 1e-6);
    }
  });

  it("layerNorm: normalized rows (mean 0, var 1); D=1 gives the bias; random shapes and eps (atol 1e-5)", async () => {
    const x = randNormal([3, 64], rng, 5, 2);
    const y = (await be.layerNorm(x, null, null, 1e-6)).toFloat32();
    for (let r = 0; r < 3; r++) {
      const row = y.subarray(r * 64, (r + 1) * 64);
      const mu = row.reduce((s, v) => s + v, 0) / 64;
      const v = row.reduce((s, x) => s + (x - mu) ** 2, 0) / 64;
      expect(Math.abs(mu)).toBeLessThan(1e-5);
      expect(Math.abs(v - 1)).toBeLessThan(1e-4);
    }
    close(tag("layerNorm D=1"), await be.layerNorm(t([3, -2], [2, 1]), t([7], [1]), t([0.5], [1])), [0.5, 0.5], 0);
    const cases: [number[], boolean, number][] = [[[1, 1], true, 1e-5], [[3, 16], true, 1e-6], [[2, 4, 32], false, 1e-5], [[1, 5, 1152], true, 1e-6]];
    for (const [shape, affine, eps] of cases) {
      const D = shape[shape.length - 1];
      const xx = randNormal(shape, rng, 3);
      const w = affine ? randNormal([D], rng) : null;
      const b = affine ? randNormal([D], rng) : null;
      close(tag(`layerNorm [${shape}] affine=${affine} eps=${eps}`), await be.layerNorm(xx, w, b, eps), layerNorm(xx, w, b, eps), 1e-5);
    }
  });

  it("rmsNorm: unit offset scales by 1 + w (w = 0 gives rms 1); random shapes, both offsets, no weight (atol 1e-5)", async () => {
    const x = randNormal([2, 256], rng, 4);
    const y = await be.rmsNorm(x, Tensor.zeros([256]), 1e-6);
    const v = y.toFloat32();
    for (let r = 0; r < 2; r++) {
      const ms = v.subarray(r * 256, (r + 1) * 256).reduce((s, a) => s + a * a, 0) / 256;
      expect(Math.abs(Math.sqrt(ms) - 1)).toBeLessThan(1e-5);
    }
    close(tag("rmsNorm known"), await be.rmsNorm(t([3, 4], [1, 2]), t([1, 0], [2]), 0), [3 / Math.sqrt(12.5) * 2, 4 / Math.sqrt(12.5)], 1e-6);
    const cases: [number[], boolean | null, number][] = [[[1, 1], true, 1e-6], [[3, 16], false, 1e-6], [[2, 5, 256], true, 1e-5], [[4, 2304], null, 1e-6]];
    for (const [shape, unitOffset, eps] of cases) {
      const D = shape[shape.length - 1];
      const xx = randNormal(shape, rng, 2);
      const w = unitOffset === null ? null : randNormal([D], rng, 0.5);
      const opts = { unitOffset: unitOffset ?? true };
      close(tag(`rmsNorm [${shape}] unitOffset=${unitOffset} eps=${eps}`), await be.rmsNorm(xx, w, eps, opts), rmsNorm(xx, w, eps, opts), 1e-5);
    }
  });

  it("geluTanh: known values; random shapes incl. large magnitudes (atol 1e-5)", async () => {
    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))): gelu(1) = 0.8411919906, gelu(-1) = -0.1588080094
    close(tag("gelu known"), await be.geluTanh(t([0, 1, -1, 10, -10], [5])), [0, 0.8411919906, -0.1588080094, 10, 0], 1e-6);
    for (const [shape, std] of [[[1], 1], [[3, 17], 1], [[2, 4, 64], 6]] as [number[], number][]) {
      const x = randNormal(shape, rng, std);
      close(tag(`gelu [${shape}] std ${std}`), await be.geluTanh(x), geluTanh(x), 1e-5);
    }
  });

  it("attention: constant v, one-hot masks, fully blocked rows give 0 (atol 1e-5)", async () => {
    const q = randNormal([1, 2, 3, 8], rng);
    const k = randNormal([1, 1, 4, 8], rng);
    const vConst = Tensor.full([1, 1, 4, 8], 0.5);
    close(tag("attn constant v"), await be.attention(q, k, vConst, null), Tensor.full([1, 2, 3, 8], 0.5), 1e-6);
    const v = randNormal([1, 1, 4, 8], rng);
    const only2 = new Float32Array(12).fill(-Infinity);
    for (let i = 0; i < 3; i++) only2[i * 4 + 2] = 0; // every query sees key 2 only ...
    only2.fill(-Infinity, 8, 12); // ... except query 2, which sees nothing
    const out = (await be.attention(q, k, v, new Tensor("float32", [3, 4], only2))).toFloat32(); // [1, 2, 3, 8]
    const v2 = v.toFloat32().subarray(16, 24);
    for (const h of [0, 1]) {
      close(tag(`attn one-hot h${h}`), Tensor.from(out.slice((h * 3) * 8, (h * 3 + 2) * 8)), [...v2, ...v2], 1e-6);
      close(tag(`attn blocked row h${h}`), Tensor.from(out.slice((h * 3 + 2) * 8, (h * 3 + 3) * 8)), new Array(8).fill(0), 0);
    }
  });

  // [B, H, Hkv, Tq, Tk, D, mask kind, scale, softcap, atol]
  type Case = [number, number, number, number, number, number, "none" | "causal" | "batch" | "blocked", number | undefined, number, number];
  const attentionCases: Case[] = [
    [1, 1, 1, 1, 1, 8, "none", undefined, 0, 1e-5], // length-1 everything
    [2, 4, 4, 5, 7, 64, "causal", undefined, 0, 1e-5], // GQA ratio 1 (MHA)
    [1, 8, 4, 6, 6, 72, "batch", undefined, 0, 1e-5], // ratio 2, head dim 72 (SigLIP So400m)
    [2, 8, 2, 3, 9, 256, "blocked", undefined, 0, 1e-4], // ratio 4, head dim 256 (Gemma)
    [2, 8, 1, 4, 4, 256, "causal", 1 / 16, 0, 1e-4], // MQA (PaliGemma 1)
    [1, 8, 4, 5, 5, 256, "batch", 1 / Math.sqrt(224), 50, 1e-4], // Gemma 2: query_pre_attn_scalar, softcap 50
    [1, 4, 2, 4, 6, 32, "blocked", 0.5, 1, 1e-5], // softcap 1 changes every score
  ];

  it.each(attentionCases)("attention vs reference B%i H%i Hkv%i Tq%i Tk%i D%i mask=%s scale=%s softcap=%s (atol %s)", async (B, H, Hkv, Tq, Tk, D, kind, scale, softcap, atol) => {
    const q = randNormal([B, H, Tq, D], rng);
    const k = randNormal([B, Hkv, Tk, D], rng);
    const v = randNormal([B, Hkv, Tk, D], rng);
    let mask: Tensor | null = null;
    if (kind === "causal") {
      const m = new Float32Array(Tq * Tk);
      for (let i = 0; i < Tq; i++) for (let j = 0; j < Tk; j++) m[i * Tk + j] = j > i + Tk - Tq ? -Infinity : 0;
      mask = new Tensor("float32", [Tq, Tk], m);
    } else if (kind === "batch") {
      mask = randUniform([B, 1, Tq, Tk], rng, -4, 0); // arbitrary additive values per batch
      (mask.data as Float32Array)[1] = -Infinity; // a blocked entry
    } else if (kind === "blocked") {
      const m = randUniform([B, 1, Tq, Tk], rng, -2, 0).toFloat32();
      for (let j = 0; j < Tk; j++) m[j] = -Infinity; // batch 0, query 0: every key blocked -> zeros
      m[Tq * Tk + 1] = -Infinity;
      mask = new Tensor("float32", [B, 1, Tq, Tk], m);
    }
    const opts = { scale, softcap };
    const got = await be.attention(q, k, v, mask, opts);
    close(tag(`attention ${kind} D${D}`), got, scaledDotProductAttention(q, k, v, mask, opts), atol);
    expect(got.toArray().every(Number.isFinite)).toBe(true);
  });

  it("patchEmbed: a weight that copies pixel (0,0) of channel c; random images vs conv2d (atol 1e-5, 1e-4 at P=14)", async () => {
    const px = randNormal([1, 3, 4, 4], rng);
    const w = Tensor.zeros([3, 3, 2, 2]);
    for (let c = 0; c < 3; c++) (w.data as Float32Array)[c * 12 + c * 4] = 1; // w[c, c, 0, 0] = 1
    const y = await be.patchEmbed(px, w, null, 2); // [1, 4, 3]
    expect([...y.shape]).toEqual([1, 4, 3]);
    const expected: number[] = [];
    for (const [i, j] of [[0, 0], [0, 2], [2, 0], [2, 2]]) for (let c = 0; c < 3; c++) expected.push(px.get(0, c, i, j));
    close(tag("patchEmbed pick"), y, expected, 0);
    const cases: [number[], number, number, boolean, number][] = [[[1, 3, 3, 3], 1, 4, true, 1e-5], [[2, 3, 8, 8], 4, 5, false, 1e-5], [[1, 3, 28, 28], 14, 16, true, 1e-4]];
    for (const [shape, P, D, withBias, atol] of cases) {
      const x = randNormal(shape, rng);
      const wt = randNormal([D, 3, P, P], rng, 0.2);
      const b = withBias ? randNormal([D], rng) : null;
      const ref = conv2d(x, wt, b, { stride: P }); // [B, D, h, w]
      const want = ref.reshape([ref.shape[0], D, -1]).transpose(1, 2); // [B, N, D]
      close(tag(`patchEmbed [${shape}] P${P} D${D}`), await be.patchEmbed(x, wt, b, P), want, atol);
    }
  });
});
