/**
 * 09-gated-mlp.ts — Gemma's feed-forward block: y = down(gelu_tanh(gate(x)) * up(x)). The tanh
 * GELU against the exact one, the shapes through the block, where the parameters go, and core's
 * `gatedMlp` (written once against Ops) run on the reference kernels and built as one ONNX graph.
 *
 * Run: pnpm example 9        Lesson: docs/09-gated-mlp.md
 */
import { EagerOps, type Tensor, TensorParams, blockGraph, geluTanh, geluTanhScalar, linear, maxAbsDiff, randNormal, runGraph, seededRng } from "@paligemma-ts/tensor";
import { gatedMlp } from "@paligemma-ts/core";
import { lineChart, savePng } from "@paligemma-ts/examples/plot";

/** erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), for the exact GELU x * Phi(x). */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x >= 0 ? y : -y;
}
const geluErf = (x: number) => 0.5 * x * (1 + erf(x / Math.SQRT2));

// 1. The activation: GELU(x) = x * Phi(x); Gemma uses the tanh approximation.
const pts = [-3, -1, -0.5, 0, 0.5, 1, 3];
console.log(`x          ${pts.map((v) => v.toFixed(4).padStart(8)).join(" ")}`);
console.log(`gelu_tanh  ${pts.map((v) => geluTanhScalar(v).toFixed(4).padStart(8)).join(" ")}`);
console.log(`gelu (erf) ${pts.map((v) => geluErf(v).toFixed(4).padStart(8)).join(" ")}`);
const grid = Array.from({ length: 1201 }, (_, i) => -6 + i * 0.01);
const worst = Math.max(...grid.map((v) => Math.abs(geluTanhScalar(v) - geluErf(v))));
console.log(`max |gelu_tanh - gelu_erf| on [-6, 6]: ${worst.toExponential(1)}`);

// 2. The block, shape by shape (toy sizes: hidden 16, intermediate 64).
const [T, hidden, I] = [5, 16, 64];
const rng = seededRng(9);
const x = randNormal([1, T, hidden], rng);
const weights: Record<string, Tensor> = {
  "gate_proj.weight": randNormal([I, hidden], rng, 0.25), // [I, hidden]
  "up_proj.weight": randNormal([I, hidden], rng, 0.25),
  "down_proj.weight": randNormal([hidden, I], rng, 0.125), // [hidden, I]
};
const gate = geluTanh(linear(x, weights["gate_proj.weight"])); // [1, T, I]
const up = linear(x, weights["up_proj.weight"]); // [1, T, I]
console.log(`x [${x.shape}] -> gelu(gate(x)) [${gate.shape}] * up(x) [${up.shape}] -> down [${linear(up, weights["down_proj.weight"]).shape}]`);
const closed = gate.toArray().filter((g) => Math.abs(g) < 0.05).length;
console.log(`gate values with |gelu(gate(x))| < 0.05 (feature switched off for that token): ${closed} of ${gate.size}`);

// 3. Where the parameters go in one Gemma-2B decoder layer (hidden 2048, intermediate 16384).
const [h, inter, H, Hkv, hd] = [2048, 16384, 8, 1, 256];
const mlpParams = 3 * h * inter;
const attnParams = 2 * h * H * hd + 2 * h * Hkv * hd;
console.log(`Gemma 2B layer: gated MLP ${mlpParams.toLocaleString("en-US")} params (3 x ${h} x ${inter}), attention ${attnParams.toLocaleString("en-US")}: MLP is ${((100 * mlpParams) / (mlpParams + attnParams)).toFixed(1)}%`);
console.log(`a plain 2-matrix MLP with the same parameter count would have intermediate ${(mlpParams / (2 * h)).toLocaleString("en-US")}`);

// 4. core's gatedMlp names its weights; EagerOps runs it on the reference kernels, and blockGraph
//    calls the SAME function with graph ops: MatMul/Gelu/Mul nodes, weights stored as initializers.
const names = { gate: { weight: "gate_proj.weight" }, up: { weight: "up_proj.weight" }, down: { weight: "down_proj.weight" } };
const params = new TensorParams(weights);
const ref = gatedMlp(new EagerOps(params.get), x, names); // [1, T, hidden]
const { graph } = blockGraph({ name: "gated_mlp", inputs: { x: { dtype: "float32", dims: ["B", "T", hidden] } }, forward: (ops, v) => ({ y: gatedMlp(ops, v.x, names) }) }, params);
const { y } = await runGraph(graph, { x });
console.log(`onnx graph (${graph.nodeCount} nodes) vs core gatedMlp [${ref.shape}]: max |diff| ${maxAbsDiff(y, ref).toExponential(1)}`);

// The picture: ReLU vs GELU.
const xs = Array.from({ length: 121 }, (_, i) => -4 + i / 15);
const chart = await lineChart([
  { label: "relu(x)", x: xs, values: xs.map((v) => Math.max(0, v)) },
  { label: "gelu_tanh(x)", x: xs, values: xs.map(geluTanhScalar) },
  { label: "gelu_tanh(x) - relu(x)", x: xs, values: xs.map((v) => geluTanhScalar(v) - Math.max(0, v)) },
]);
console.log(`wrote ${await savePng(chart, "09-gelu.png")}`);

