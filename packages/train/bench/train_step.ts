/**
 * train_step.ts — `pnpm bench:train`: what one training step of the tiny PaliGemma costs, on the fused
 * ONNX step and on the plain-TypeScript reference step, for the SAME batch, next to this machine's
 * MatMul ceilings measured in the same run.
 *
 * Teaches: training throughput in the units that explain it.
 *   forward FLOPs per step  = B * (vision + decoder layers over L slots) + 2 * Nt * V * H (the head
 *                             runs on the Nt target rows only)          (costs.ts formulas)
 *   step FLOPs             ~= 3 x forward (the backward of a matmul is two matmuls of the same size)
 *   GFLOP/s                 = step FLOPs / step time
 * and two ceilings: a large MatMul [256, 2048] x [2048, 16384] (what the CPU can do) and one at the
 * step's own typical shape [B * L, 128] x [128, 512] (what width-128 matrices allow: small matrices
 * run far below the large ceiling, DESIGN.md section 9).
 *
 * The reference step is ~100x slower (minutes at batch 64), so the side-by-side comparison runs both
 * on one smaller batch (--compare-batch, default 8); the fused step is also timed at the training
 * batch (--batch, default 64, what `paligemma train` runs).
 *
 * Flags: --batch B (64), --compare-batch B (8; 0 skips the reference), --runs N fused steps timed
 * after 2 warm-ups (8), --json FILE (out/bench-train.json).
 *
 * References: packages/paligemma/bench/costs.ts, machine_limits.ts; DESIGN.md section 9.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { decoderLayerParams, visionFlops } from "@paligemma-ts/paligemma/costs";
import { machineLimits, matmulCeiling } from "@paligemma-ts/paligemma/machine-limits";
import { ReferenceTrainStep, TrainStep, seededRng } from "@paligemma-ts/tensor";
import { TRAIN_DEFAULTS, cachedTokenizer, initialWeights, loadWorldTokenizer, lossInputs, makeBatch, parameterCount, splitExamples, tinyConfig, trainStepSpec, worldConfig } from "../src/index.ts";

const { values } = parseArgs({ options: { batch: { type: "string", default: "64" }, "compare-batch": { type: "string", default: "8" }, runs: { type: "string", default: "8" }, json: { type: "string", default: "out/bench-train.json" } } });
const runs = Number(values.runs);
const c = tinyConfig(TRAIN_DEFAULTS.sizes);
const t = c.text_config;
const L = TRAIN_DEFAULTS.length;
const world = worldConfig(TRAIN_DEFAULTS.world);
const tokenizer = cachedTokenizer(await loadWorldTokenizer());
const init = new Map([...initialWeights(c, seededRng(TRAIN_DEFAULTS.seed)).entries()].map(([k, v]) => [k, v.toFloat32()]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The settings, batch, spec and FLOPs of a step of B rows (targets scaled with B from the default 512 per 64). */
function stepAt(B: number) {
  const s = { ...TRAIN_DEFAULTS, batch: B, targets: Math.max(64, Math.ceil((TRAIN_DEFAULTS.targets * B) / 64)) };
  const decoder = t.num_hidden_layers * (2 * L * decoderLayerParams(c) + 4 * L * L * t.num_attention_heads * t.head_dim);
  const forward = B * (visionFlops(c) + decoder) + 2 * s.targets * t.vocab_size * t.hidden_size;
  const batch = lossInputs(makeBatch(splitExamples("train", 0, B, world, s.tasks), tokenizer, world), c, { batch: B, length: L, targets: s.targets });
  return { s, batch, spec: trainStepSpec(s), flops: 3 * forward };
}

/** Median ms of `n` fused steps after 2 warm-ups, and the session's build time. */
async function timeFused(st: ReturnType<typeof stepAt>, n: number): Promise<{ buildMs: number; stepMs: number[] }> {
  const t0 = performance.now();
  const fused = await TrainStep.create(st.spec, init);
  const buildMs = performance.now() - t0;
  const stepMs: number[] = [];
  for (let i = 0; i < n + 2; i++) {
    const t1 = performance.now();
    await fused.run(st.batch, 1e-3);
    if (i >= 2) stepMs.push(performance.now() - t1);
  }
  await fused.dispose();
  return { buildMs, stepMs };
}

const gflops = (flops: number, ms: number) => flops / ms / 1e6;
const main = stepAt(Number(values.batch));
console.log(`tiny PaliGemma ${(parameterCount(TRAIN_DEFAULTS.sizes) / 1e6).toFixed(2)}M parameters; ${L} slots per row (${c.num_image_tokens} image tokens)`);
const big = await timeFused(main, runs);
const onnxMs = median(big.stepMs);
console.log(`onnx, batch ${main.s.batch} (${main.s.targets} target slots, ${(main.flops / 1e9).toFixed(1)} GFLOP per step): build ${(big.buildMs / 1000).toFixed(1)} s, step median ${onnxMs.toFixed(0)} ms (best ${Math.min(...big.stepMs).toFixed(0)}) over ${runs} -> ${gflops(main.flops, onnxMs).toFixed(1)} GFLOP/s`);

const compareB = Number(values["compare-batch"]);
let comparison: { batch: number; onnxMs: number[]; referenceMs: number } | null = null;
if (compareB > 0) {
  const small = stepAt(compareB);
  const fusedSmall = await timeFused(small, runs);
  const ref = new ReferenceTrainStep(small.spec, init);
  const t0 = performance.now();
  await ref.run(small.batch, 1e-3);
  const referenceMs = performance.now() - t0;
  await ref.dispose();
  comparison = { batch: compareB, onnxMs: fusedSmall.stepMs, referenceMs };
  const o = median(fusedSmall.stepMs);
  console.log(`same batch of ${compareB} (${(small.flops / 1e9).toFixed(2)} GFLOP): onnx ${o.toFixed(0)} ms (${gflops(small.flops, o).toFixed(1)} GFLOP/s), reference (plain TypeScript + tape) ${(referenceMs / 1000).toFixed(1)} s (${gflops(small.flops, referenceMs).toFixed(2)} GFLOP/s): onnx ${(referenceMs / o).toFixed(0)}x faster`);
}

const large = (await machineLimits()).compute;
const shaped = await matmulCeiling(main.s.batch * L, t.hidden_size, t.intermediate_size);
console.log(`ceilings (same run): large MatMul [256, 2048] x [2048, 16384] ${large.best.toFixed(0)} GFLOP/s (median ${large.median.toFixed(0)}); model-shaped [${main.s.batch * L}, ${t.hidden_size}] x [${t.hidden_size}, ${t.intermediate_size}] ${shaped.best.toFixed(0)} GFLOP/s (median ${shaped.median.toFixed(0)})`);
console.log(`onnx step at batch ${main.s.batch}: ${((100 * gflops(main.flops, onnxMs)) / large.best).toFixed(0)}% of the large ceiling, ${((100 * gflops(main.flops, onnxMs)) / shaped.best).toFixed(0)}% of the model-shaped one; ${(3_600_000 / onnxMs).toFixed(0)} steps per hour`);

const report = { date: new Date().toISOString(), batch: main.s.batch, length: L, targets: main.s.targets, stepGflop: main.flops / 1e9, onnx: big, comparison, ceilings: { large, modelShaped: shaped } };
mkdirSync(dirname(values.json!), { recursive: true });
writeFileSync(`${values.json}.tmp`, `${JSON.stringify(report, null, 1)}\n`);
renameSync(`${values.json}.tmp`, values.json!);
console.log(`wrote ${values.json}`);
