/**
 * quality.ts — the quality cost of int8/int4 weights at the real 3B shape (random weights).
 *
 * Loads the bench's random paligemma-3b-pt-224 checkpoint (bench.ts writes and caches it) once in
 * float32 and once quantized, runs the same image + prompt through both, and prints:
 *   max |logits_q - logits_f32| over every prefill position, at the last position, and the f32
 *   logits' own range; greedy agreement: how many of N greedy tokens (eos ignored) match f32.
 * The fixtures' numbers are in test/onnx_quantized.test.ts. Random weights say nothing about a real
 * checkpoint's outlier activations; this measures the arithmetic, not the model.
 *
 * Usage: npx tsx packages/paligemma/bench/quality.ts [--dtype int8|int4] [--int4-linears mlp.down_proj] [--tokens 12]
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { PaliGemmaTokenizer } from "@paligemma-ts/processor";
import { Tensor, seededRng } from "@paligemma-ts/tensor";
import { PaliGemma, type WeightDType, checkWeightDType } from "../src/index.ts";
import { benchPlan } from "./bench_plan.ts";
import { randomPaliGemma3b } from "./random_checkpoint.ts";

const { values: args } = parseArgs({
  options: {
    dtype: { type: "string", default: "int8" },
    "int4-linears": { type: "string" },
    tokens: { type: "string", default: "12" },
    prompt: { type: "string", default: "caption en describe the picture in a few words" },
  },
});
const tokenizer = fileURLToPath(new URL("../../../fixtures/paligemma-tiny/tokenizer.model", import.meta.url));
const ckpt = randomPaliGemma3b({ tokenizer, log: (s) => console.log(s) });
const cacheRoot = path.join(path.dirname(ckpt.dir), "weight-cache"); // shared with bench.ts

async function load(dtype: WeightDType, int4Linears: string[]): Promise<PaliGemma> {
  const opened = await PaliGemma.open(ckpt.dir);
  return PaliGemma.load(opened, { dtype, cacheRoot, plan: benchPlan(dtype, opened.config, opened.layout, { int4Linears }) });
}

async function run(model: PaliGemma): Promise<{ logits: Float32Array; last: Float32Array; ids: number[] }> {
  const S = model.config.vision_config.image_size;
  const rng = seededRng(5);
  const pixels = new Tensor("float32", [1, 3, S, S], Float32Array.from({ length: 3 * S * S }, () => rng() * 2 - 1));
  const ids = model.promptIds(args.prompt).ids;
  const logits = (await model.prefillLogits(pixels, [ids])).toFloat32(); // [1, L, V]
  const V = logits.length / ids.length;
  const last = logits.slice(logits.length - V);
  const gen = await model.generate({ images: pixels, prompts: [ids], maxNewTokens: Number(args.tokens), ignoreEos: true });
  return { logits, last, ids: gen.generatedIds[0] };
}

const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const f32Model = await load("f32", []);
const ref = await run(f32Model);
await f32Model.dispose();
const int4Linears = args["int4-linears"] ? args["int4-linears"].split(",") : [];
checkWeightDType(args.dtype, "--dtype");
const qModel = await load(args.dtype, int4Linears);
const q = await run(qModel);
await qModel.dispose();
const range = ref.logits.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const agree = ref.ids.filter((id, i) => q.ids[i] === id).length;
let prefix = 0;
while (prefix < ref.ids.length && q.ids[prefix] === ref.ids[prefix]) prefix++;
console.log(`dtype ${args.dtype}${int4Linears.length ? ` (int4: ${int4Linears.join(",")})` : ""} vs f32 at the 3B shape:`);
console.log(`  prefill logits max-abs diff ${maxAbs(ref.logits, q.logits).toFixed(4)} (last position ${maxAbs(ref.last, q.last).toFixed(4)}; f32 logits reach ${range.toFixed(3)})`);
console.log(`  greedy tokens: ${agree}/${ref.ids.length} equal, first ${prefix} identical`);
