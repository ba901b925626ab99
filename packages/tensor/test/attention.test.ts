import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, add, matmul, mul, randNormal, scaledDotProductAttention, seededRng, softmax, tanh } from "../src/index.ts";
import { expectClose, expectShape } from "./expect_close.ts";

/**
 * Independent composition: repeat kv heads (GQA as explicit copies), scores = q k^T * scale,
 * optional soft-cap, + mask, softmax, NaN rows (fully masked) -> 0, then @ v.
 */
function composed(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, scale: number, softcap = 0): Tensor {
  const H = q.shape[1];
  const group = H / k.shape[1];
  const heads = [...Array(H).keys()].map((h) => Math.floor(h / group));
  const kr = k.gather(heads, 1); // [B, H, Tk, D]
  const vr = v.gather(heads, 1);
  let s = mul(matmul(q, kr.transpose(-2, -1)), scale); // [B, H, Tq, Tk]
  if (softcap > 0) s = mul(tanh(mul(s, 1 / softcap)), softcap);
  if (mask) s = add(s, mask);
  const p = softmax(s, -1);
  const pv = p.toFloat32().map((x) => (Number.isNaN(x) ? 0 : x));
  return matmul(new Tensor("float32", p.shape, pv), vr);
}

/** An additive causal mask [T, T] with -Infinity above the diagonal. */
function causal(T: number, blocked = -Infinity): Tensor {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) m[i * T + j] = blocked;
  return new Tensor("float32", [T, T], m);
}

describe("scaledDotProductAttention", () => {
  it("hand values: one query, two keys, D = 1", () => {
    const q = Tensor.from([1], [1, 1, 1, 1]);
    const k = Tensor.from([0, 2], [1, 1, 2, 1]);
    const v = Tensor.from([10, 20], [1, 1, 2, 1]);
    const p1 = Math.exp(2) / (1 + Math.exp(2)); // scores [0, 2] at scale 1/sqrt(1)
    expectClose(scaledDotProductAttention(q, k, v, null), [10 * (1 - p1) + 20 * p1], 1e-5, "hand");
    const p1s = Math.exp(1) / (1 + Math.exp(1));
    expectClose(scaledDotProductAttention(q, k, v, null, { scale: 0.5 }), [10 * (1 - p1s) + 20 * p1s], 1e-5, "scale 0.5");
  });

  describe.each([
    [1, 4, 4],
    [2, 4, 2],
    [4, 8, 2],
    [4, 4, 1], // multi-query
  ])("GQA ratio %i (H = %i, Hkv = %i)", (ratio, H, Hkv) => {
    it.each([256, 72])("head dim %i, causal mask [1, 1, T, T], matches the composed reference", (D) => {
      const rng = seededRng(100 + ratio * 7 + D);
      const B = 2, T = 5;
      const q = randNormal([B, H, T, D], rng);
      const k = randNormal([B, Hkv, T, D], rng);
      const v = randNormal([B, Hkv, T, D], rng);
      const mask = causal(T).reshape([1, 1, T, T]);
      const y = scaledDotProductAttention(q, k, v, mask);
      expectShape(y, [B, H, T, D]);
      expectClose(y, composed(q, k, v, mask, 1 / Math.sqrt(D)), 1e-5, `gqa ${ratio} D ${D}`);
      // The first query sees only key 0: its output is exactly v of its kv head.
      const h = H - 1;
      const g = Math.floor(h / ratio);
      expectClose(y.slice(0, 1).slice(1, h, h + 1).slice(2, 0, 1), v.slice(0, 1).slice(1, g, g + 1).slice(2, 0, 1), 1e-6, "first row");
    });
  });

  it.each([
    ["[B, 1, Tq, Tk]", [2, 1, 3, 4]],
    ["[1, 1, Tq, Tk]", [1, 1, 3, 4]],
    ["[Tq, Tk]", [3, 4]],
    ["[B, H, Tq, Tk]", [2, 2, 3, 4]],
    ["[1, 1, 1, Tk] (padding)", [1, 1, 1, 4]],
  ])("mask shape %s broadcasts (Tq = 3 != Tk = 4)", (_, ms) => {
    const rng = seededRng(200 + ms.length);
    const q = randNormal([2, 2, 3, 8], rng);
    const k = randNormal([2, 1, 4, 8], rng);
    const v = randNormal([2, 1, 4, 8], rng);
    const m = randNormal(ms, rng, 3).toFloat32().map((x) => (x < -2 ? -Infinity : x));
    const mask = new Tensor("float32", ms, m);
    expectClose(scaledDotProductAttention(q, k, v, mask), composed(q, k, v, mask, 1 / Math.sqrt(8)), 1e-5, `mask ${ms}`);
  });

  it("a fully masked query row gives zeros (not NaN); other rows are unaffected", () => {
    const rng = seededRng(301);
    const q = randNormal([1, 2, 3, 4], rng);
    const k = randNormal([1, 2, 3, 4], rng);
    const v = randNormal([1, 2, 3, 4], rng);
    const m = new Float32Array(9);
    m.fill(-Infinity, 3, 6); // row 1 sees nothing
    const mask = new Tensor("float32", [1, 1, 3, 3], m);
    const y = scaledDotProductAttention(q, k, v, mask);
    expect(y.toArray().every(Number.isFinite)).toBe(true);
    expect(y.slice(2, 1, 2).toArray()).toEqual(new Array(8).fill(0));
    expectClose(y, composed(q, k, v, mask, 0.5), 1e-5, "fully masked");
  });

  it("softcap is applied before the mask (Gemma 2): -1e9 still blocks, and capped scores match", () => {
    const rng = seededRng(302);
    const q = randNormal([1, 4, 6, 16], rng, 8); // large scores so the cap bites
    const k = randNormal([1, 2, 6, 16], rng, 8);
    const v = randNormal([1, 2, 6, 16], rng);
    const mask = causal(6, -1e9);
    const y = scaledDotProductAttention(q, k, v, mask, { softcap: 50, scale: 16 ** -0.5 });
    expectClose(y, composed(q, k, v, mask, 0.25, 50), 1e-5, "softcap");
    // Capping after the mask would turn -1e9 into -50 and leak future keys: the result would differ.
    const leaky = composed(q, k, v, null, 0.25, 50);
    expect(Math.max(...y.toArray().map((a, i) => Math.abs(a - leaky.toFloat32()[i])))).toBeGreaterThan(1e-2);
    const uncapped = scaledDotProductAttention(q, k, v, mask, { scale: 0.25 });
    expect(Math.max(...y.toArray().map((a, i) => Math.abs(a - uncapped.toFloat32()[i])))).toBeGreaterThan(1e-3);
  });

  it("huge scores (1e4 scale) stay finite", () => {
    const q = Tensor.from([1, 1], [1, 1, 1, 2]);
    const k = Tensor.from([1, 1, -1, -1], [1, 1, 2, 2]);
    const v = Tensor.from([3, 4, 5, 6], [1, 1, 2, 2]);
    expect(scaledDotProductAttention(q, k, v, null, { scale: 1e4 }).toArray()).toEqual([3, 4]);
  });

  it("rejects bad head counts, shapes and masks with clear messages", () => {
    const z = (s: number[]) => Tensor.zeros(s);
    expect(() => scaledDotProductAttention(z([1, 3, 2, 4]), z([1, 2, 2, 4]), z([1, 2, 2, 4]), null)).toThrow(/multiple of key\/value heads 2/);
    expect(() => scaledDotProductAttention(z([1, 2, 2, 4]), z([1, 2, 2, 8]), z([1, 2, 2, 8]), null)).toThrow(ShapeError);
    expect(() => scaledDotProductAttention(z([2, 4]), z([2, 4]), z([2, 4]), null)).toThrow(/\[B, H, T, D\]/);
    expect(() => scaledDotProductAttention(z([1, 2, 2, 4]), z([1, 2, 3, 4]), z([1, 2, 3, 4]), z([1, 1, 2, 2]))).toThrow(/does not broadcast/);
  });
});
