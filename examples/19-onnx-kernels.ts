/**
 * 19-onnx-kernels.ts — how a heavy op becomes an ONNX subgraph built in TypeScript and run by
 * onnxruntime-node: Gemma's RMSNorm written two ways (from primitive ops, and as one opset-23
 * RMSNormalization node), printed with g.toString(), run, and compared with the plain-TS reference
 * kernel; then a real fused block (one SigLIP encoder layer = 18 nodes = one session.run); then the
 * reference and ONNX backends side by side on every kernel; then execution providers.
 *
 * Run: pnpm example 19       Lesson: docs/19-onnx-kernels.md
 */
import {
  Checkpoint, CheckpointWeights, DEFAULT_OPSET, Graph, KERNELS, Tensor, createSession, cudaProviderInstalled, executionProviders,
  maxAbsDiff, onnxBackend, onnxOps, randNormal, referenceBackend, resolveDevice, rmsNorm, runGraph, seededRng, sessionCacheStats,
} from "@paligemma-ts/tensor";
import { siglipEmbeddings, siglipEncoderLayer, siglipEncoderLayerGraph } from "@paligemma-ts/siglip";
import { loadPaliGemmaConfig, loadPaliGemmaWeights } from "@paligemma-ts/paligemma";
import { loadImage, preprocessImages } from "@paligemma-ts/processor";

const D = 8;
const rng = seededRng(19);
const x = randNormal([2, 3, D], rng); // [batch, seq, D]
const w = randNormal([D], rng, 0.1); // Gemma stores the scale around 0: y = ... * (1 + w)
const eps = 1e-6;
const want = rmsNorm(x, w, eps, { unitOffset: true }); // the reference kernel: plain loops

// 1. RMSNorm from primitive ONNX ops, one node per step of the formula
//    y = x / sqrt(mean(x^2) + eps) * (1 + w)
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
console.log(g1.toString());

// 2. The same with the builder the model uses: opset 23 has RMSNormalization as ONE node.
const g2 = new Graph("rms_norm");
g2.output(onnxOps.rmsNorm(g2, g2.input("x", "float32", ["batch", "seq", D]), g2.initializer("weight", w), eps), "y");
console.log(`\n${g2.toString()}`);

const y1 = (await runGraph(g1, { x })).y;
const y2 = (await runGraph(g2, { x })).y;
await runGraph(g2, { x: randNormal([1, 5, D], rng) }); // another size: same session (symbolic dims)
console.log(`\nopset ${DEFAULT_OPSET}; model bytes: decomposed ${g1.toBytes().length}, one-node ${g2.toBytes().length}`);
console.log(`decomposed vs reference: max |diff| < 1e-6: ${maxAbsDiff(y1, want) < 1e-6}; RMSNormalization vs reference: ${maxAbsDiff(y2, want) < 1e-6}`);
console.log(`session cache after 3 runs of 2 graphs: ${JSON.stringify(sessionCacheStats())}`);

// 3. A fused block: one SigLIP encoder layer of the tiny checkpoint, 18 nodes in ONE session.
//    Weights are external initializers pointing into model.safetensors (ORT reads them itself).
const DIR = "fixtures/paligemma-tiny";
const config = loadPaliGemmaConfig(DIR);
const vc = config.vision_config;
const ckpt = Checkpoint.open(DIR);
const cw = new CheckpointWeights(ckpt);
const layer = siglipEncoderLayerGraph(vc, cw, 0);
const prefix = "vision_tower.vision_model.encoder.layers.0.";
console.log(`\n${layer.toString().replaceAll(prefix, "")}`);
console.log(`(weight names shortened: drop "${prefix}")`);
const ops = new Map<string, number>();
for (const line of layer.toString().split("\n").slice(1, -1)) {
  const op = line.split(" = ")[1].split("(")[0];
  ops.set(op, (ops.get(op) ?? 0) + 1);
}
console.log(`${layer.nodeCount} nodes: ${[...ops].map(([op, n]) => `${op} x${n}`).join(", ")}`);
const vw = loadPaliGemmaWeights(DIR, config).vision;
const tokens = siglipEmbeddings(preprocessImages([await loadImage("fixtures/images/chelsea.png")], vc.image_size), vw, vc); // [1, 16, 32]
const session = await createSession(layer, cw.sessionOptions());
const fused = (await session.run({ hidden_states: tokens })).hidden_states_out;
console.log(`one session.run: [${tokens.shape}] -> [${fused.shape}]; vs reference siglipEncoderLayer: max |diff| < 2e-5: ${maxAbsDiff(fused, siglipEncoderLayer(tokens, vw.layers[0], vc)) < 2e-5}`);
await session.dispose();
ckpt.close();

// 4. Two kernels per heavy op: every kernel of kernel_names.ts on both backends.
const q = randNormal([1, 4, 5, 8], rng);
const kv = randNormal([1, 2, 5, 8], rng);
const args: Record<string, Tensor[]> = {
  matmul: [randNormal([3, 4], rng), randNormal([4, 5], rng)],
  linear: [randNormal([2, 3, 4], rng), randNormal([6, 4], rng), randNormal([6], rng)],
  softmax: [randNormal([2, 7], rng, 3)],
  layerNorm: [x, randNormal([D], rng), randNormal([D], rng)],
  rmsNorm: [x, w],
  geluTanh: [randNormal([10], rng, 2)],
};
const results: string[] = [];
for (const name of Object.keys(KERNELS)) {
  let a: Tensor;
  let b: Tensor;
  if (name === "attention") [a, b] = [await referenceBackend.attention(q, kv, kv, null), await onnxBackend.attention(q, kv, kv, null)];
  else if (name === "patchEmbed") {
    const px = randNormal([1, 3, 28, 28], rng);
    const pw = randNormal([D, 3, 14, 14], rng, 0.05);
    [a, b] = [await referenceBackend.patchEmbed(px, pw, null, 14), await onnxBackend.patchEmbed(px, pw, null, 14)];
  } else {
    const call = (be: typeof referenceBackend) => (be as unknown as Record<string, (...t: Tensor[]) => Promise<Tensor>>)[name](...args[name]);
    [a, b] = [await call(referenceBackend), await call(onnxBackend)];
  }
  results.push(`${name} ${maxAbsDiff(a, b) < 1e-4}`);
}
console.log(`\nreference vs onnx backend, max |diff| < 1e-4: ${results.join(", ")}`);
console.log(`rmsNorm kernel builds: ${KERNELS.rmsNorm.onnx.join(" + ")}`);

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
