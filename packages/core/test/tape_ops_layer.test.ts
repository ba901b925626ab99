/**
 * tape_ops_layer.test.ts — TapeOps on whole layers written against Ops: a Gemma decoder layer
 * (RMSNorm 1 + w, selfAttention with RoPE, GQA and a causal + padding mask, gatedMlp, residuals) and
 * a tiny Gemma-style model (the tied embedding read as the gather table and as the LM head, two
 * layers; a Gemma 2 variant with attention and final soft-caps, a sliding window and four norms),
 * each under a mean cross-entropy loss written with Ops.
 *
 * Oracle: the SAME layer code run on Float64Ops (float64_ops.ts), differentiated by
 * finiteDifferenceCheck (@paligemma-ts/tensor): 4-point central differences at 1e-3 of each weight's
 * RMS along 2 random directions per weight (and the layer input). In float64 the stencil is good to
 * ~1e-9, so the comparison measures TapeOps' float32 gradients themselves: tolerance 2e-5 relative
 * (MODEL_TOL; measured worst ~3e-6, printed: float32 rounding in the backward). A float32 forward
 * would not do here: its ~1e-7 relative loss noise over a 1% step is already 1e-4..1e-3.
 * The loss is also computed as core's crossEntropy, whose crossEntropyBackward seeds tape.backward(logits).
 */
import { EagerOps, type Ops, TapeOps, Tensor, finiteDifferenceCheck, maxAbsDiff, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { attentionMask, crossEntropy, crossEntropyBackward, gatedMlp, rotaryTables, selfAttention, tiedLmHead } from "../src/index.ts";
import { F64, Float64Ops } from "./float64_ops.ts";

const [B, T, HIDDEN, H, HKV, D, INTER, V] = [2, 5, 8, 4, 2, 4, 12, 11]; // D = 4 != HIDDEN / H = 2; GQA 4 / 2
const EPS = 1e-6;
const MODEL_TOL = 2e-5; // float64 finite differences vs float32 TapeOps gradients (see the header)

interface Variant {
  gemma2: boolean;
  layers: number;
}

/** Hugging Face-style names of layer i's weights and their shapes. */
function layerShapes(i: number, v: Variant): Record<string, number[]> {
  const p = `model.layers.${i}.`;
  const norms = v.gemma2 ? ["input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm"] : ["input_layernorm", "post_attention_layernorm"];
  return {
    ...Object.fromEntries(norms.map((n) => [`${p}${n}.weight`, [HIDDEN]])),
    [`${p}self_attn.q_proj.weight`]: [H * D, HIDDEN],
    [`${p}self_attn.k_proj.weight`]: [HKV * D, HIDDEN],
    [`${p}self_attn.v_proj.weight`]: [HKV * D, HIDDEN],
    [`${p}self_attn.o_proj.weight`]: [HIDDEN, H * D],
    [`${p}mlp.gate_proj.weight`]: [INTER, HIDDEN],
    [`${p}mlp.up_proj.weight`]: [INTER, HIDDEN],
    [`${p}mlp.down_proj.weight`]: [HIDDEN, INTER],
  };
}

// Tokens, targets (-100 = ignored: the padded first slot of row 1, and the last positions), RoPE, mask.
const ids = [[3, 7, 7, 1, 10], [0, 4, 2, 9, 4]];
const targets = [7, 7, 1, 10, -100, -100, 2, 9, 4, -100];
const keyMask = [[1, 1, 1, 1, 1], [0, 1, 1, 1, 1]]; // row 1 is left-padded: its query 0 sees nothing
const tables = rotaryTables([[0, 1, 2, 3, 4], [0, 0, 1, 2, 3]], D); // [B, T, D/2]
const mask = attentionMask({ queryLength: T, keyMask }); // [B, 1, T, T], causal + padding
const idsTensor = new Tensor("int32", [B, T], Int32Array.from(ids.flat()));
const onehot = new Float32Array(B * T * V);
targets.forEach((y, n) => y >= 0 && (onehot[n * V + y] = 1));
const COUNT = targets.filter((y) => y >= 0).length;

/** One decoder layer: Gemma (pre-norms) or Gemma 2 (pre- and post-norms, soft-capped, windowed attention). */
function decoderLayer<X>(ops: Ops<X>, x: X, i: number, v: Variant): X {
  const p = `model.layers.${i}.`;
  const proj = (n: string) => ({ weight: `${p}${n}.weight` });
  const norm = (h: X, n: string) => ops.rmsNorm(h, `${p}${n}.weight`, EPS);
  const options = { numHeads: H, numKvHeads: HKV, ...(v.gemma2 ? { softcap: 2, window: i % 2 === 0 ? 3 : null } : {}) };
  const weights = { q: proj("self_attn.q_proj"), k: proj("self_attn.k_proj"), v: proj("self_attn.v_proj"), o: proj("self_attn.o_proj") };
  const ctx = { mask: ops.constant(mask), rope: { cos: ops.constant(tables.cos), sin: ops.constant(tables.sin) } };
  const attn = selfAttention(ops, norm(x, "input_layernorm"), weights, options, ctx).output;
  const h = ops.add(x, v.gemma2 ? norm(attn, "post_attention_layernorm") : attn); // residual
  const m = gatedMlp(ops, norm(h, v.gemma2 ? "pre_feedforward_layernorm" : "post_attention_layernorm"), { gate: proj("mlp.gate_proj"), up: proj("mlp.up_proj"), down: proj("mlp.down_proj") });
  return ops.add(h, v.gemma2 ? norm(m, "post_feedforward_layernorm") : m); // residual
}

/** The tiny model: embed (* sqrt(hidden)) -> layers -> final norm -> tied head (-> soft-cap): logits [B, T, V]. */
function tinyModel<X>(ops: Ops<X>, v: Variant, head = "model.embed_tokens.weight"): X {
  let h = ops.mul(ops.gather(ops.param("model.embed_tokens.weight"), ops.constant(idsTensor)), Math.sqrt(HIDDEN)); // [B, T, HIDDEN]
  for (let i = 0; i < v.layers; i++) h = decoderLayer(ops, h, i, v);
  const logits = tiedLmHead(ops, ops.rmsNorm(h, "model.norm.weight", EPS), head); // [B, T, V]
  return v.gemma2 ? ops.softCap(logits, 3) : logits;
}

/** Mean cross-entropy written with Ops: -sum(logSoftmax(logits) * onehot) / count. */
function opsCrossEntropy<X>(ops: Ops<X>, logits: X): X {
  const picked = ops.mul(ops.logSoftmax(logits, -1), ops.constant(new Tensor("float32", [B, T, V], onehot)));
  return ops.mul(ops.reduceSum(picked, [0, 1, 2]), -1 / COUNT); // []
}

function randomWeights(v: Variant, seed: number, model = true): Record<string, Tensor> {
  const rng = seededRng(seed);
  const shapes: Record<string, number[]> = model ? { "model.embed_tokens.weight": [V, HIDDEN], "model.norm.weight": [HIDDEN] } : {};
  for (let i = 0; i < v.layers; i++) Object.assign(shapes, layerShapes(i, v));
  return Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, randNormal(s, rng, s.length === 1 ? 0.3 : 0.4)]));
}

/**
 * TapeOps gradients of `loss` (float32) against float64 finite differences of the same `loss` on
 * Float64Ops, for every named weight and the given inputs (`inputs` are passed to `loss` as values).
 */
function checkAgainstFloat64(label: string, weights: Record<string, Tensor>, inputs: Tensor[], loss: <X>(ops: Ops<X>, xs: X[]) => X): number {
  const names = Object.keys(weights);
  const all = [...inputs, ...names.map((n) => weights[n])];
  const tape = new TapeOps((n) => weights[n]);
  const lossTape = loss(tape, inputs);
  const grads = tape.backward(lossTape, { inputs });
  expect([...grads.params.keys()].sort(), `${label}: every weight got a gradient`).toEqual([...names].sort());
  const analytic = [...grads.inputs, ...names.map((n) => grads.params.get(n)!)].map((g) => g.toFloat32());
  const loss64 = (xs: Float64Array[]) => {
    const value = (i: number) => new F64(all[i].shape, xs[i]);
    const ops = new Float64Ops((n) => value(inputs.length + names.indexOf(n)));
    return loss(ops, inputs.map((_, i) => value(i))).data[0];
  };
  const f64 = loss64(all.map((t) => Float64Array.from(t.toFloat32())));
  const f32 = loss(new EagerOps((n) => weights[n]), inputs).item();
  expect(Math.abs(f32 - f64), `${label}: float32 and float64 losses agree`).toBeLessThan(1e-5);
  expect(Math.abs(lossTape.item() - f32), `${label}: TapeOps forward = EagerOps forward`).toBe(0);
  const r = finiteDifferenceCheck(loss64, analytic, all.map((t) => t.toFloat32()), { directions: 2, step: 1e-3 });
  const worst = r.checks.reduce((a, c) => (c.relErr > a.relErr ? c : a));
  const which = worst.input < inputs.length ? `input ${worst.input}` : names[worst.input - inputs.length];
  console.log(`${label}: loss ${f64.toFixed(6)}, max rel err ${r.maxRelErr.toExponential(2)} over ${r.checks.length} checks (worst: ${which}; tol ${MODEL_TOL})`);
  expect(r.maxRelErr, `${label}: max rel err ${r.maxRelErr} (${which}) > ${MODEL_TOL}`).toBeLessThanOrEqual(MODEL_TOL);
  return r.maxRelErr;
}

describe("TapeOps through a Gemma decoder layer (RMSNorm, RoPE, causal + padding mask, GQA, gated MLP)", () => {
  it.each([false, true])("one layer (gemma2 %s): every weight and the layer input, loss = cross-entropy through a head", (gemma2) => {
    const v = { gemma2, layers: 1 };
    const weights = { ...randomWeights(v, gemma2 ? 2 : 1, false), head: randNormal([V, HIDDEN], seededRng(3), 0.4) };
    const x = randNormal([B, T, HIDDEN], seededRng(4));
    checkAgainstFloat64(`decoder layer (gemma2 ${gemma2})`, weights, [x], (ops, [xx]) => opsCrossEntropy(ops, ops.linear(decoderLayer(ops, xx, 0, v), { weight: "head" })));
  });
});

describe("TapeOps through a tiny Gemma model (tied embeddings, 2 layers)", () => {
  it.each([false, true])("gemma2 %s: every weight", (gemma2) => {
    const v = { gemma2, layers: 2 };
    checkAgainstFloat64(`tiny model (gemma2 ${gemma2})`, randomWeights(v, gemma2 ? 12 : 11), [], (ops) => opsCrossEntropy(ops, tinyModel(ops, v)));
  });
  it("a wrong gradient is caught: the tied embedding without its LM-head half", () => {
    const v = { gemma2: false, layers: 1 };
    const weights = randomWeights(v, 14);
    const names = Object.keys(weights);
    const tape = new TapeOps((n) => (n === "head_copy" ? weights["model.embed_tokens.weight"] : weights[n]));
    const g = tape.backward(opsCrossEntropy(tape, tinyModel(tape, v, "head_copy"))).params; // the head reads a copy
    const loss64 = (xs: Float64Array[]) => {
      const ops = new Float64Ops((n) => new F64(weights[n].shape, xs[names.indexOf(n)]));
      return opsCrossEntropy(ops, tinyModel(ops, v)).data[0]; // the tied model
    };
    const r = finiteDifferenceCheck(loss64, names.map((n) => g.get(n)!.toFloat32()), names.map((n) => weights[n].toFloat32()), { directions: 2, step: 1e-3 });
    console.log(`tied embedding without its LM-head gradient: max rel err ${r.maxRelErr.toExponential(2)} (tol ${MODEL_TOL})`);
    expect(r.maxRelErr).toBeGreaterThan(100 * MODEL_TOL);
  });
  it("the loss inside Ops and core's crossEntropy (+ crossEntropyBackward as the seed) agree, value and gradients", () => {
    const v = { gemma2: false, layers: 2 };
    const weights = randomWeights(v, 13);
    const a = new TapeOps((n) => weights[n]);
    const lossA = opsCrossEntropy(a, tinyModel(a, v));
    const gA = a.backward(lossA).params;
    const b = new TapeOps((n) => weights[n]);
    const logits = tinyModel(b, v);
    const flat = logits.reshape([B * T, V]);
    const lossB = crossEntropy(flat, targets);
    const gB = b.backward(logits, { seed: crossEntropyBackward(flat, targets).reshape([B, T, V]) }).params;
    let worst = 0;
    for (const [n, g] of gA) worst = Math.max(worst, maxAbsDiff(g, gB.get(n)!));
    console.log(`Ops loss vs crossEntropyBackward seed: loss diff ${Math.abs(lossA.item() - lossB).toExponential(2)}, max grad diff ${worst.toExponential(2)}`);
    expect(Math.abs(lossA.item() - lossB)).toBeLessThan(1e-5);
    expect(worst).toBeLessThan(1e-5);
    // The tied table's gradient has both uses: rows of ids that never appear still get the LM head's part.
    const dE = gA.get("model.embed_tokens.weight")!;
    expect([5, 6, 8].every((r) => dE.slice(0, r, r + 1).toArray().some((x) => x !== 0))).toBe(true);
  });
});
