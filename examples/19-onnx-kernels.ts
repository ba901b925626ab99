/**
 * 19-onnx-kernels.ts — one definition, two implementations. Every layer in this repo is a function
 * of an `Ops` and its weights' checkpoint names. `EagerOps` computes each call at once with the
 * plain-TS reference kernels (the spec); `GraphOps` adds ONNX nodes instead, so the SAME function
 * becomes a graph that onnxruntime-node runs as one fused session (the fast path).
 *   1. the Ops interface and its two implementations;
 *   2. a small layer (Gemma's second residual line, x + mlp(rms_norm(x))) run with EagerOps and built
 *      with GraphOps (the graph printed with g.toString()), and the difference of their outputs;
 *   3. below one op: RMSNorm from primitive ONNX nodes vs the one opset-23 node `ops.rmsNorm` adds;
 *      the session cache;
 *   4. a real fused block: one SigLIP encoder layer of the tiny checkpoint, its weights pointing
 *      into model.safetensors, one session.run, vs the same block on the reference kernels;
 *   5. execution providers.
 *
 * Run: pnpm example 19       Lesson: docs/19-onnx-kernels.md
 */
import {
  type Block, CheckpointWeights, DEFAULT_OPSET, EagerOps, Graph, GraphOps, OnnxKernels, type Ops, ReferenceKernels, type Tensor, TensorParams,
  blockGraph, cudaProviderInstalled, executionProviders, maxAbsDiff, randNormal, resolveDevice, rmsNorm, runGraph, seededRng, sessionCacheStats,
} from "@paligemma-ts/tensor";
import { gatedMlp } from "@paligemma-ts/core";
import { siglipBlocks } from "@paligemma-ts/siglip";
import { PaliGemma } from "@paligemma-ts/paligemma";
import { preprocessImages, loadImage } from "@paligemma-ts/processor";

const diff = (a: Tensor, b: Tensor) => maxAbsDiff(a, b).toExponential(1);

// 1. The interface: what a layer may do. Each method exists twice.
const methods = (impl: { prototype: object }) => Object.getOwnPropertyNames(impl.prototype).filter((n) => n !== "constructor" && n !== "quantized");
const eagerOps = methods(EagerOps);
console.log(`Ops: ${eagerOps.length} operations: ${eagerOps.join(", ")}`);
console.log(`EagerOps runs each one on the reference kernels; GraphOps adds ONNX nodes for the same ${methods(GraphOps).filter((m) => eagerOps.includes(m)).length}`);

// 2. A small layer written ONCE: x + down(gelu_tanh(gate(h)) * up(h)), h = rms_norm(x) * (1 + w).
const [D, I] = [8, 16];
const rng = seededRng(19);
const weights: Record<string, Tensor> = {
  "post_attention_layernorm.weight": randNormal([D], rng, 0.1), // Gemma stores the scale around 0: * (1 + w)
  "mlp.gate_proj.weight": randNormal([I, D], rng, 0.3),
  "mlp.up_proj.weight": randNormal([I, D], rng, 0.3),
  "mlp.down_proj.weight": randNormal([D, I], rng, 0.3),
};
const mlpNames = { gate: { weight: "mlp.gate_proj.weight" }, up: { weight: "mlp.up_proj.weight" }, down: { weight: "mlp.down_proj.weight" } };
/** Gemma's second residual line, for every implementation of Ops. */
function mlpResidual<T>(ops: Ops<T>, x: T): T {
  const h = ops.rmsNorm(x, "post_attention_layernorm.weight", 1e-6); // [batch, seq, D]
  return ops.add(x, gatedMlp(ops, h, mlpNames)); // [batch, seq, D]
}
/** A one-input block around `fn`: what blockGraph (and the kernels) compile. */
const oneInputBlock = (name: string, fn: <T>(ops: Ops<T>, x: T) => T): Block => ({
  name,
  inputs: { x: { dtype: "float32", dims: ["batch", "seq", D] } }, // symbolic batch and seq
  forward: (ops, v) => ({ y: fn(ops, v.x) }),
});
const params = new TensorParams(weights); // the named weights, in memory
const x = randNormal([2, 3, D], rng); // [batch, seq, D]
const eager = mlpResidual(new EagerOps(params.get), x); // EagerOps: a Tensor, computed now
const { graph } = blockGraph(oneInputBlock("mlp_residual", mlpResidual), params); // GraphOps: nodes, nothing computed yet
console.log(`\n${graph.toString()}`);
const { y } = await runGraph(graph, { x }); // onnxruntime runs the whole layer: one session.run
console.log(`the same function, EagerOps [${eager.shape}] vs GraphOps + onnxruntime [${y.shape}]: max |diff| ${diff(y, eager)}`);

// 3. Below one op: Gemma's RMSNorm from primitive ONNX ops, one node per step of the formula
//    y = x / sqrt(mean(x^2) + eps) * (1 + w)     ...and the single node ops.rmsNorm adds.
const w = weights["post_attention_layernorm.weight"];
const eps = 1e-6;
const want = rmsNorm(x, w, eps); // the reference kernel: plain loops
const g1 = new Graph("rms_norm_decomposed");
{
  const xi = g1.input("x", "float32", ["batch", "seq", D]); // symbolic batch/seq, fixed D
  const wi = g1.initializer("weight", w); // stored inside the model
  const sq = g1.op("Mul", [xi, xi]); // x^2
  const ms = g1.op("ReduceMean", [sq, g1.constant([-1], "int64", "axes")], { keepdims: 1 }); // mean over D -> [b, s, 1]
  const rms = g1.op("Sqrt", [g1.op("Add", [ms, g1.constant(eps, "float32", "eps")])]);
  const scale = g1.op("Add", [wi, g1.constant(1, "float32", "one")]); // 1 + w (constant-folded by ORT)
  g1.output(g1.op("Mul", [g1.op("Div", [xi, rms]), scale]), "y");
}
console.log(`\n${g1.toString()}`);
const g2 = blockGraph(oneInputBlock("rms_norm", (ops, v) => ops.rmsNorm(v, "weight", eps)), new TensorParams({ weight: w })).graph;
console.log(`\n${g2.toString()}`);
const y1 = (await runGraph(g1, { x })).y;
const y2 = (await runGraph(g2, { x })).y;
await runGraph(g2, { x: randNormal([1, 5, D], rng) }); // another size: same session (symbolic dims)
console.log(`\nopset ${DEFAULT_OPSET}; model bytes: decomposed ${g1.toBytes().length}, one-node ${g2.toBytes().length}`);
console.log(`vs the reference kernel: decomposed max |diff| ${diff(y1, want)}; RMSNormalization max |diff| ${diff(y2, want)}`);
console.log(`session cache after 4 runs of 3 graphs: ${JSON.stringify(sessionCacheStats())}`);

// 4. A real fused block: SigLIP's encoder layer 0 of the tiny checkpoint. The same siglipBlocks the
//    model compiles; its weights are external initializers pointing into model.safetensors.
const opened = await PaliGemma.open("fixtures/paligemma-tiny");
const vc = opened.config.vision_config;
const [embeddings, layer0] = siglipBlocks(vc, opened.layout.vision);
const bound = new CheckpointWeights(opened.checkpoint);
const fusedGraph = blockGraph(layer0, bound).graph;
const prefix = `${opened.layout.vision}encoder.layers.0.`;
console.log(`\n${fusedGraph.toString().replaceAll(prefix, "")}`);
console.log(`(weight names shortened: drop "${prefix}")`);
const counts = new Map<string, number>();
for (const line of fusedGraph.toString().split("\n").slice(1, -1)) {
  const op = line.split(" = ")[1].split("(")[0];
  counts.set(op, (counts.get(op) ?? 0) + 1);
}
console.log(`${fusedGraph.nodeCount} nodes: ${[...counts].map(([op, n]) => `${op} x${n}`).join(", ")}; model bytes ${fusedGraph.toBytes().length} (the weights stay in the checkpoint)`);
const reference = new ReferenceKernels(TensorParams.fromCheckpoint(opened.checkpoint).get);
const pixels = preprocessImages([await loadImage("fixtures/images/chelsea.png")], vc.image_size); // [1, 3, 56, 56]
const tokens = (await (await reference.compile(embeddings)).run({ pixel_values: pixels })).hidden_states; // [1, 16, 32]
const fused = await new OnnxKernels(bound).compile(layer0); // builds the graph above, creates ONE session
const fast = (await fused.run({ hidden_states: tokens })).hidden_states_out;
const slow = (await (await reference.compile(layer0)).run({ hidden_states: tokens })).hidden_states_out;
console.log(`one session.run: [${tokens.shape}] -> [${fast.shape}]; vs the same block on the reference kernels: max |diff| ${diff(fast, slow)}`);
await fused.dispose();
opened.close();

// 5. Execution providers: where a session runs. "cuda" asks for the CUDA EP with CPU as the
//    fallback for ops it lacks; without the CUDA libraries the request degrades to "cpu" with ONE
//    stderr line per process.
console.log(`\nexecution providers: cpu -> ${JSON.stringify(executionProviders("cpu"))}, cuda -> ${JSON.stringify(executionProviders("cuda"))}`);
const stderrWrite = process.stderr.write.bind(process.stderr);
let warning = "";
process.stderr.write = ((chunk: string | Uint8Array) => ((warning += String(chunk)), true)) as typeof process.stderr.write;
const device = resolveDevice("cuda");
process.stderr.write = stderrWrite;
console.log(`CUDA provider installed: ${cudaProviderInstalled()}; a session asking for "cuda" runs on: ${device}`);
if (warning) console.log(`the one line it prints: ${warning.trim()}`);
