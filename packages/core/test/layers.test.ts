/**
 * layers.test.ts — the small layers written against Ops (gated MLP, MLP, tied LM head), on both
 * implementations, against formulas computed here with scalar loops.
 */
import { Tensor, maxAbsDiff, randNormal, releaseAllSessions, runOps, seededRng } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { gatedMlp, mlp, tiedLmHead, tokenRows } from "../src/index.ts";

afterAll(() => releaseAllSessions());

const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

describe.each(["reference", "onnx"] as const)("small layers with %s ops", (kind) => {
  it("gated MLP = down(gelu_tanh(gate x) * up x); MLP = fc2(gelu_tanh(fc1 x) + b1) + b2 (atol 1e-5)", async () => {
    const rng = seededRng(1);
    const x = randNormal([1, 1, 3], rng);
    const p = { g: randNormal([4, 3], rng), u: randNormal([4, 3], rng), d: randNormal([3, 4], rng), b1: randNormal([4], rng), b2: randNormal([3], rng) };
    const xv = x.toArray();
    const row = (m: Tensor, r: number, v: number[]) => v.reduce((s, vi, i) => s + m.get(r, i) * vi, 0);
    const hidden = [0, 1, 2, 3].map((r) => gelu(row(p.g, r, xv)) * row(p.u, r, xv));
    const y = await runOps(kind, (ops, v) => gatedMlp(ops, v.x, { gate: { weight: "g" }, up: { weight: "u" }, down: { weight: "d" } }), { x }, p);
    expect(maxAbsDiff(y, [0, 1, 2].map((r) => row(p.d, r, hidden)))).toBeLessThan(1e-5);
    const h2 = [0, 1, 2, 3].map((r) => gelu(row(p.g, r, xv) + p.b1.get(r)));
    const y2 = await runOps(kind, (ops, v) => mlp(ops, v.x, { fc1: { weight: "g", bias: "b1" }, fc2: { weight: "d", bias: "b2" } }), { x }, p);
    expect(maxAbsDiff(y2, [0, 1, 2].map((r) => row(p.d, r, h2) + p.b2.get(r)))).toBeLessThan(1e-5);
  });

  it("the tied head is h E^T: logit t is h . E[t]", async () => {
    const E = Tensor.from([0, 0, 1, 0, 0, 1, 1, 1], [4, 2]);
    const y = await runOps(kind, (ops, v) => tiedLmHead(ops, v.h, "embed_tokens.weight"), { h: Tensor.from([2, 3], [1, 2]) }, { "embed_tokens.weight": E });
    expect(y.toArray()).toEqual([0, 2, 3, 5]);
  });
});

it("tokenRows: a flat list is one row", () => {
  expect(tokenRows([1, 2])).toEqual([[1, 2]]);
  expect(tokenRows([[1], [2]])).toEqual([[1], [2]]);
});
