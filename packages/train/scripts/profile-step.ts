// probe: per-op-type time of one fused training step (ORT profiler), not committed
import * as ort from "../../tensor/node_modules/onnxruntime-node/dist/index.js";
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { toOrtTensor, trainStepGraph, seededRng, adamwStepScalars, Tensor } from "@paligemma-ts/tensor";
import { TRAIN_DEFAULTS, cachedTokenizer, initialWeights, lossInputs, loadWorldTokenizer, makeBatch, splitExamples, tinyConfig, trainStepSpec, worldConfig } from "../src/index.ts";
const B = Number(process.argv[2] ?? 64);
const s = { ...TRAIN_DEFAULTS, batch: B };
const c = tinyConfig(s.sizes);
const spec = trainStepSpec(s);
const g = trainStepGraph(spec);
const sess = await ort.InferenceSession.create(g.toBytes(), { enableProfiling: true, profileFilePrefix: "/tmp/trainprof", graphOptimizationLevel: "all", extra: { session: { intra_op: { allow_spinning: "0" } } } } as never);
const w = initialWeights(c, seededRng(0));
const world = worldConfig();
const tok = cachedTokenizer(await loadWorldTokenizer());
const feeds: Record<string, ort.Tensor> = {};
const batch = lossInputs(makeBatch(splitExamples("train", 0, B, world), tok, world), c, s);
for (const [k, t] of Object.entries(batch)) feeds[k] = toOrtTensor(t);
for (const p of spec.params) { const t = w.get(p.name)!; feeds[p.name] = toOrtTensor(t); feeds[`m:${p.name}`] = toOrtTensor(Tensor.zeros(p.shape)); feeds[`v:${p.name}`] = toOrtTensor(Tensor.zeros(p.shape)); }
const sc = adamwStepScalars(1, 1e-3);
for (const k of ["lr", "bc1", "bc2"] as const) feeds[k] = toOrtTensor(Tensor.fromValues([sc[k]], [], "float32"));
for (let i = 0; i < 4; i++) { const t0 = performance.now(); await sess.run(feeds); console.log(`run ${i}: ${(performance.now() - t0).toFixed(0)} ms`); }
await sess.endProfiling();
const file = "/tmp/" + readdirSync("/tmp").filter((f) => f.startsWith("trainprof")).sort().pop()!;
const ev = JSON.parse(readFileSync(file, "utf8")) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
const byOp = new Map<string, number>();
let total = 0;
for (const e of ev) if (e.cat === "Node" && e.name.endsWith("_kernel_time")) { const op = e.args?.op_name ?? "?"; byOp.set(op, (byOp.get(op) ?? 0) + e.dur); total += e.dur; }
console.log(`nodes: ${g.nodeCount}; kernel time over 4 runs ${(total / 4000).toFixed(0)} ms/run`);
for (const [op, d] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 18)) console.log(`${op.padEnd(24)} ${(d / 4000).toFixed(1)} ms/run  ${((100 * d) / total).toFixed(1)}%`);
rmSync(file);
