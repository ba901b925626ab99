/**
 * quantized_accuracy.ts — `pnpm bench:quality:trained`: what int8 / int4 weights cost a model that
 * has really learned something, measured as answers, not logits.
 *
 * bench:quality measures the quantization arithmetic on random weights at the 3B shape (logit drift,
 * greedy agreement); random weights have nothing to lose. The committed tiny PaliGemma
 * (models/tiny-paligemma, trained by `paligemma train`) does: this loads it once per dtype, answers
 * the same N fresh test scenes per task with each (greedy), and prints per task
 *   accuracy      exact match (caption, VQA, OCR) / boxes found at IoU >= 0.5 (detection), as `paligemma eval`
 *   agreement     answers identical to the float32 model's, character for character
 * Quantized caches go to a temporary folder (removed at the end), so the checkpoint folder stays clean.
 *
 * Usage: pnpm bench:quality:trained [--model models/tiny-paligemma] [--scenes 100] [--seed 0]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PaliGemma, type WeightDType } from "@paligemma-ts/paligemma";
import { releaseAllSessions } from "@paligemma-ts/tensor";
import { evaluate, worldConfig } from "../src/index.ts";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: fileURLToPath(new URL("../../../models/tiny-paligemma", import.meta.url)) },
    scenes: { type: "string", default: "100" },
    seed: { type: "string", default: "0" },
  },
});
const perTask = Number(args.scenes);
const world = worldConfig();
const cacheRoot = mkdtempSync(join(tmpdir(), "quantized-accuracy-"));
const answers = new Map<WeightDType, Awaited<ReturnType<typeof evaluate>>>();
try {
  for (const dtype of ["f32", "int8", "int4"] as WeightDType[]) {
    const t0 = performance.now();
    const model = await PaliGemma.load(args.model, { backend: "onnx", dtype, cacheRoot });
    answers.set(dtype, await evaluate(model, world, { perTask, start: Number(args.seed) * 1_000_000, split: "test" }));
    await model.dispose();
    console.log(`${dtype}: ${answers.get(dtype)!.summary} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
} finally {
  rmSync(cacheRoot, { recursive: true, force: true });
  releaseAllSessions();
}
const f32 = answers.get("f32")!;
console.log(`\n${args.model}, ${perTask} test scenes per task (seed ${args.seed})`);
console.log("| dtype | task | accuracy | answers identical to f32 |");
console.log("| --- | --- | --- | --- |");
for (const [dtype, r] of answers) {
  for (const [task, res] of Object.entries(r.results)) {
    const rows = r.records.map((rec, i) => ({ rec, ref: f32.records[i] })).filter(({ rec }) => rec.task === task);
    const same = rows.filter(({ rec, ref }) => rec.prediction === ref.prediction).length;
    console.log(`| ${dtype} | ${task} | ${(100 * res!.accuracy).toFixed(1)}% (${res!.correct}/${res!.total}) | ${dtype === "f32" ? "-" : `${same}/${rows.length}`} |`);
  }
}
