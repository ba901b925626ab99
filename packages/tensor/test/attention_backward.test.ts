import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, attentionBackward, gradCheck, randNormal, scaledDotProductAttention, seededRng, type AttentionLayout, type AttentionScoreOptions } from "../src/index.ts";
import { GRAD_TOL, expectGrad } from "./grad_expect.ts";

/** Causal additive mask [Tq, Tk] for queries at the last Tq of Tk slots; `blocked` = -Infinity or a finite value. */
function causal(Tq: number, Tk: number, blocked = -Infinity): Tensor {
  const m = new Float32Array(Tq * Tk);
  for (let i = 0; i < Tq; i++) for (let j = Tk - Tq + i + 1; j < Tk; j++) m[i * Tk + j] = blocked;
  return new Tensor("float32", [Tq, Tk], m);
}

/** Sizes as the kernel names them (Dv defaults to D), a mask maker and the score options. */
type Case = Pick<AttentionLayout, "B" | "H" | "Hkv" | "Tq" | "Tk" | "D"> & {
  name: string;
  Dv?: number;
  mask?: (B: number, Tq: number, Tk: number) => Tensor;
  options?: AttentionScoreOptions;
};

/** [B, 1, Tq, Tk]: causal, plus query 1 of batch row 0 sees nothing (a fully blocked row). */
function causalWithBlockedRow(B: number, Tq: number, Tk: number): Tensor {
  const c = causal(Tq, Tk).toArray();
  const m = new Float32Array(B * Tq * Tk);
  for (let b = 0; b < B; b++) m.set(c, b * Tq * Tk);
  for (let j = 0; j < Tk; j++) m[1 * Tk + j] = -Infinity;
  return new Tensor("float32", [B, 1, Tq, Tk], m);
}

const CASES: Case[] = [
  { name: "MHA, no mask", B: 2, H: 2, Hkv: 2, Tq: 3, Tk: 3, D: 4 },
  { name: "GQA ratio 2, causal [1, 1, T, T]", B: 2, H: 4, Hkv: 2, Tq: 5, Tk: 5, D: 3, mask: (_b, q, k) => causal(q, k).reshape([1, 1, q, k]) },
  { name: "GQA ratio 4, D != Dv, rank-2 mask", B: 1, H: 4, Hkv: 1, Tq: 4, Tk: 4, D: 5, Dv: 3, mask: (_b, q, k) => causal(q, k) },
  { name: "MQA (Hkv = 1), H = 3, decode Tq = 1 of Tk = 6", B: 2, H: 3, Hkv: 1, Tq: 1, Tk: 6, D: 4, mask: (_b, q, k) => causal(q, k) },
  { name: "prefill chunk Tq = 3 of Tk = 5, finite blocked value -1e9", B: 1, H: 2, Hkv: 1, Tq: 3, Tk: 5, D: 2, mask: (_b, q, k) => causal(q, k, -1e9) },
  { name: "random finite additive mask [B, 1, Tq, Tk]", B: 2, H: 2, Hkv: 2, Tq: 3, Tk: 4, D: 3, mask: (b, q, k) => randNormal([b, 1, q, k], seededRng(77)) },
  { name: "fully blocked query row", B: 2, H: 2, Hkv: 1, Tq: 4, Tk: 4, D: 3, mask: causalWithBlockedRow },
  { name: "soft-cap 0.7 (saturating), scale 0.9", B: 1, H: 2, Hkv: 1, Tq: 4, Tk: 4, D: 4, mask: (_b, q, k) => causal(q, k), options: { softcap: 0.7, scale: 0.9 } },
  { name: "soft-cap 50 (Gemma 2), GQA 2", B: 2, H: 4, Hkv: 2, Tq: 3, Tk: 3, D: 4, options: { softcap: 50 } },
  { name: "window 2, causal", B: 1, H: 2, Hkv: 2, Tq: 5, Tk: 5, D: 3, mask: (_b, q, k) => causal(q, k), options: { window: 2 } },
  { name: "window 1 (sees only itself), decode Tq = 2 of Tk = 4", B: 1, H: 2, Hkv: 1, Tq: 2, Tk: 4, D: 2, options: { window: 1 } },
  { name: "window 3 + soft-cap 2 + custom scale, GQA 2", B: 1, H: 4, Hkv: 2, Tq: 6, Tk: 6, D: 3, mask: (_b, q, k) => causal(q, k), options: { window: 3, softcap: 2, scale: 0.3 } },
  { name: "length-1 everything", B: 1, H: 1, Hkv: 1, Tq: 1, Tk: 1, D: 1 },
];

describe.each(CASES)("attentionBackward: $name", (c) => {
  it("dq, dk, dv match finite differences", () => {
    const rng = seededRng(c.B * 1000 + c.H * 100 + c.Tk * 10 + c.D);
    const q = randNormal([c.B, c.H, c.Tq, c.D], rng);
    const k = randNormal([c.B, c.Hkv, c.Tk, c.D], rng);
    const v = randNormal([c.B, c.Hkv, c.Tk, c.Dv ?? c.D], rng);
    const mask = c.mask ? c.mask(c.B, c.Tq, c.Tk) : null;
    const o = c.options ?? {};
    expectGrad(`attention ${c.name}`, ([qq, kk, vv]) => scaledDotProductAttention(qq, kk, vv, mask, o), ([qq, kk, vv], g) => {
      const r = attentionBackward(g, qq, kk, vv, mask, o);
      return [r.dq, r.dk, r.dv];
    }, [q, k, v]);
  });
});

describe("attentionBackward edge cases", () => {
  it("a fully blocked query row gets dq = 0; keys no query with a gradient sees get dk = dv = 0", () => {
    const rng = seededRng(5);
    const [B, H, T, D] = [2, 2, 4, 3];
    const q = randNormal([B, H, T, D], rng);
    const k = randNormal([B, 1, T, D], rng);
    const v = randNormal([B, 1, T, D], rng);
    const g = randNormal([B, H, T, D], rng);
    const { dq } = attentionBackward(g, q, k, v, causalWithBlockedRow(B, T, T)); // query 1 of row 0 is blocked
    for (let h = 0; h < H; h++) expect(dq.slice(0, 0, 1).slice(1, h, h + 1).slice(2, 1, 2).toArray().map(Math.abs)).toEqual([0, 0, 0]);
    // window 1: each query sees only its own slot. A gradient at the last query alone reaches only the last key.
    const onlyLast = Tensor.zeros([B, H, T, D]);
    (onlyLast.data as Float32Array).fill(1, (H * T - 1) * D, H * T * D); // row 0, last head, last query
    const w = attentionBackward(onlyLast, q, k, v, null, { window: 1 });
    const zeros = (n: number) => new Array<number>(n).fill(0);
    expect(w.dv.slice(0, 0, 1).toArray().slice(0, (T - 1) * D).map(Math.abs)).toEqual(zeros((T - 1) * D));
    expect(w.dk.toArray().map(Math.abs)).toEqual(zeros(B * T * D)); // p = 1 on one key: softmax has no slope
    expect(w.dv.toArray().slice((T - 1) * D, T * D)).toEqual([1, 1, 1]);
  });
  it("GQA: dk of a shared kv head is the sum over its query group (equals MHA with repeated kv heads)", () => {
    const rng = seededRng(6);
    const [B, H, Hkv, T, D] = [1, 4, 2, 3, 2];
    const q = randNormal([B, H, T, D], rng);
    const k = randNormal([B, Hkv, T, D], rng);
    const v = randNormal([B, Hkv, T, D], rng);
    const g = randNormal([B, H, T, D], rng);
    const gqa = attentionBackward(g, q, k, v, null);
    const rep = [0, 0, 1, 1];
    const mha = attentionBackward(g, q, k.gather(rep, 1), v.gather(rep, 1), null);
    const summed = (t: Tensor) => [0, 1].flatMap((kv) => t.gather([2 * kv], 1).toArray().map((x, i) => x + t.gather([2 * kv + 1], 1).toArray()[i]));
    expect(Math.max(...summed(mha.dk).map((x, i) => Math.abs(x - gqa.dk.toArray()[i])))).toBeLessThan(1e-6);
    expect(Math.max(...summed(mha.dv).map((x, i) => Math.abs(x - gqa.dv.toArray()[i])))).toBeLessThan(1e-6);
  });
  it("the soft-cap's derivative is needed: a backward without it is caught", () => {
    const rng = seededRng(7);
    const q = randNormal([1, 1, 3, 4], rng, 2);
    const k = randNormal([1, 1, 3, 4], rng, 2);
    const v = randNormal([1, 1, 3, 4], rng);
    const r = gradCheck(([qq]) => scaledDotProductAttention(qq, k, v, null, { softcap: 1 }), ([qq], g) => {
      const wrong = attentionBackward(g, qq, k, v, null, {}); // forgets the cap
      return [wrong.dq];
    }, [q]);
    console.log(`attention backward without the soft-cap: max rel err ${r.maxRelErr.toExponential(2)}`);
    expect(r.maxRelErr).toBeGreaterThan(10 * GRAD_TOL);
  });
  it("rejects a dout of the wrong shape, naming the expected one", () => {
    const z = (s: number[]) => Tensor.zeros(s);
    expect(() => attentionBackward(z([1, 2, 3, 4]), z([1, 2, 3, 4]), z([1, 1, 3, 4]), z([1, 1, 3, 5]), null)).toThrow(/\[1, 2, 3, 5\]/);
    expect(() => attentionBackward(z([1, 3, 3, 4]), z([1, 3, 3, 4]), z([1, 2, 3, 4]), z([1, 2, 3, 4]), null)).toThrow(ShapeError);
  });
});
