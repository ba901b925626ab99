/**
 * 21-backpropagation.ts — how the gradients of a transformer layer are computed, twice: by the
 * plain-TS backward kernels (one per op, checked against finite differences) chained by a tape, and
 * by reverse-mode autodiff over the ONNX graph of the same layer. Then a few gradient steps.
 *
 * Run: pnpm example 21       Lesson: docs/21-backpropagation.md
 */
import { selfAttention, gatedMlp, rotaryTables, attentionMask } from "@paligemma-ts/core";
import {
  Graph, GraphOps, InputParams, type Ops, TapeOps, Tensor, TensorParams, gradCheck, grad, geluTanh, geluTanhBackward, layerNorm, layerNormBackward,
  linear, linearBackward, maxAbsDiff, randNormal, rmsNorm, rmsNormBackward, runGraph, seededRng, softmax, softmaxBackward,
} from "@paligemma-ts/tensor";
import { lineChart, savePng } from "@paligemma-ts/examples/plot";

const rng = seededRng(21);

// 1. One op by hand: RMSNorm with Gemma's (1 + w). y = x * r * (1 + w), r = 1 / sqrt(mean(x^2) + eps):
//    dx = r (1 + w) dy - x r^3 mean(x (1 + w) dy),   dw = sum over rows of dy * x * r
const x = randNormal([3, 8], rng);
const w = randNormal([8], rng, 0.3);
const dout = randNormal([3, 8], rng);
const { dx, dweight } = rmsNormBackward(dout, x, w, 1e-6, { unitOffset: true });
console.log(`rmsNormBackward: dx [${dx.shape}], dw [${dweight!.shape}]`);
const fd = gradCheck(([a, b]) => rmsNorm(a, b, 1e-6), ([a, b], d) => { const g = rmsNormBackward(d, a, b, 1e-6, { unitOffset: true }); return [g.dx, g.dweight]; }, [x, w]);
console.log(`vs finite differences (4-point central, 3 random directions per input): worst relative error ${fd.maxRelErr.toExponential(1)}`);
const wrong = gradCheck(([a, b]) => rmsNorm(a, b, 1e-6), ([a, b], d) => { const g = rmsNormBackward(d, a, b, 1e-6, { unitOffset: false }); return [g.dx, g.dweight]; }, [x, w]);
console.log(`the same check on the wrong convention (scale w instead of 1 + w): worst relative error ${wrong.maxRelErr.toExponential(1)}`);

// 2. Every backward kernel has such a check; a few of them:
const checks: [string, number][] = [
  ["linear", gradCheck(([a, b, c]) => linear(a, b, c), ([a, b], d) => { const g = linearBackward(d, a, b, true); return [g.dx, g.dweight, g.dbias]; }, [randNormal([2, 5], rng), randNormal([4, 5], rng), randNormal([4], rng)]).maxRelErr],
  ["softmax", gradCheck(([a]) => softmax(a, -1), ([a], d) => [softmaxBackward(d, softmax(a, -1), -1)], [randNormal([3, 7], rng, 2)]).maxRelErr],
  ["layerNorm", gradCheck(([a, b, c]) => layerNorm(a, b, c, 1e-6), ([a, b, c], d) => { const g = layerNormBackward(d, a, b, c, 1e-6); return [g.dx, g.dweight, g.dbias]; }, [randNormal([2, 6], rng), randNormal([6], rng), randNormal([6], rng)]).maxRelErr],
  ["geluTanh", gradCheck(([a]) => geluTanh(a), ([a], d) => [geluTanhBackward(d, a)], [randNormal([20], rng, 2)]).maxRelErr],
];
console.log(checks.map(([n, e]) => `${n} ${e.toExponential(1)}`).join(", "));

// 3. A whole decoder layer (RMSNorm, RoPE, GQA attention, gated MLP) written once against Ops,
//    with a scalar loss. Its gradient, first by the tape (the backward kernels in reverse order) ...
const [B, T, C, H, Hkv, D, I] = [1, 6, 16, 4, 2, 6, 32];
const names = { n1: "input_layernorm.weight", n2: "post_attention_layernorm.weight", q: "q_proj.weight", k: "k_proj.weight", v: "v_proj.weight", o: "o_proj.weight", g: "gate_proj.weight", u: "up_proj.weight", d: "down_proj.weight" };
const shapes: Record<string, number[]> = { [names.n1]: [C], [names.n2]: [C], [names.q]: [H * D, C], [names.k]: [Hkv * D, C], [names.v]: [Hkv * D, C], [names.o]: [C, H * D], [names.g]: [I, C], [names.u]: [I, C], [names.d]: [C, I] };
const weights = new Map(Object.entries(shapes).map(([n, s]) => [n, randNormal(s, rng, s.length === 1 ? 0.1 : 0.3)]));
const tables = rotaryTables([Array.from({ length: T }, (_, t) => t + 1)], D);
const batch = { x: randNormal([B, T, C], rng), target: randNormal([B, T, C], rng), mask: attentionMask({ queryLength: T }), cos: tables.cos, sin: tables.sin };
function lossOf<V>(ops: Ops<V>, b: Record<string, V>): V {
  const a = selfAttention(ops, ops.rmsNorm(b.x, names.n1, 1e-6), { q: { weight: names.q }, k: { weight: names.k }, v: { weight: names.v }, o: { weight: names.o } }, { numHeads: H, numKvHeads: Hkv }, { mask: b.mask, rope: { cos: b.cos, sin: b.sin } });
  const h = ops.add(b.x, a.output);
  const y = ops.add(h, gatedMlp(ops, ops.rmsNorm(h, names.n2, 1e-6), { gate: { weight: names.g }, up: { weight: names.u }, down: { weight: names.d } }));
  const e = ops.sub(y, b.target);
  return ops.reduceMean(ops.mul(e, e), [0, 1, 2]); // mean squared error
}
const tape = new TapeOps(new TensorParams(weights).get);
const loss = lossOf(tape, batch);
const tapeGrads = tape.backward(loss).params;
console.log(`\nlayer loss ${loss.item().toFixed(5)}; the tape recorded ${tape.length} op calls; gradients for ${tapeGrads.size} weights`);

// ... then by autodiff over the ONNX graph of the SAME function: grad() appends the VJP nodes.
const g = new Graph("layer_grad");
const params = InputParams.fromTensors(weights);
const inputs = Object.fromEntries(Object.entries(batch).map(([k, t]) => [k, g.input(k, t.dtype, t.shape)]));
const gl = lossOf(new GraphOps(g, params), inputs);
const forwardNodes = g.nodeCount;
const order = [...weights.keys()];
grad(g, gl, order.map((n) => params.tensor(g, n))).forEach((d, i) => g.output(d, `d_${order[i]}`));
g.output(gl, "loss");
console.log(`graph: ${forwardNodes} forward nodes; grad() added ${g.nodeCount - forwardNodes} backward nodes (primitive ops only: ORT's CPU build has no *Grad kernels)`);
const out = await runGraph(g, { ...batch, ...Object.fromEntries(weights) });
const worst = Math.max(...order.map((n) => maxAbsDiff(out[`d_${n}`], tapeGrads.get(n)!) / Math.max(...tapeGrads.get(n)!.toArray().map(Math.abs))));
console.log(`graph gradient vs tape gradient, worst over the ${order.length} weights: ${worst.toExponential(1)} of the largest entry`);

// 4. Gradient descent on the layer: w -= 0.05 * dL/dw, 40 steps (the loss must fall).
const losses: number[] = [];
for (let s = 0; s < 40; s++) {
  const t = new TapeOps(new TensorParams(weights).get);
  const l = lossOf(t, batch);
  losses.push(l.item());
  for (const [n, d] of t.backward(l).params) weights.set(n, new Tensor("float32", d.shape, weights.get(n)!.toFloat32().map((v, i) => v - 0.05 * d.toFloat32()[i])));
}
console.log(`gradient descent, 40 steps at lr 0.05: loss ${losses[0].toFixed(4)} -> ${losses[39].toFixed(4)}`);
console.log(`wrote ${await savePng(await lineChart([{ label: "layer loss (MSE) by step", values: losses }]), "21-backprop-descent.png")}`);
