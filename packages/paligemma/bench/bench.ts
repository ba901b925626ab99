/**
 * bench.ts — `pnpm bench`: PaliGemma 3B (random weights, real shape) on the ONNX CPU path.
 *
 * Measures, in one process:
 *   machine   a large MatMul's GFLOP/s and an M=1 MatMul's GB/s (machine_limits.ts): the ceilings
 *   load      PaliGemma.load(dir, { backend: "onnx" }): open, check, create + prepack every session
 *   vision    SigLIP + projector for one image; time to first token = vision + prefill
 *   quantized under int8/int4: the M=1 weight GB/s of the exact kernels decode uses (quantizedLimits)
 *   decode    ms/token, median over --tokens steps (greedy, eos ignored), and the share of each step
 *             spent outside session.run (masks, tables, cache appends, sampling, text decoding)
 *   memory    peak RSS (process.resourceUsage().maxRSS) against the checkpoint's weight bytes
 * and reports prefill GFLOP/s and decode weight-GB/s against the ceilings (costs.ts); quantized decode
 * against both the f32 M=1 ceiling and its own kernels' (sum over kinds of bytes_kind / ceiling_kind).
 * Options: --json (one JSON object on stdout, progress on stderr), --tokens N (default 24),
 * --runs N (default 2; the last is reported, the first warms up), --scaling (scaling.ts rows),
 * --image-size 224|448|896 (the checkpoint variant: 256 / 1024 / 4096 image tokens; decode then runs at
 * that context), --checkpoint-dtype f32|bf16 (a bfloat16 copy of the same weights, as PaliGemma 2 ships),
 * --half-to-float cache|fold|cast (how bf16 weights reach float32 on the f32 path: checkpoint_weights.ts),
 * --batch 1,2,4,8 (batch_rows.ts: vision + prefill of B images, decode tokens/s of B rows),
 * --threads N, --dtype f32|int8|int8-lowmem|int4 (the library's plans), the bench knobs of bench_plan.ts
 * (--vision-dtype int8|f32, --int8-kernel dynamic|nbits, --head-bits 8|4, --int4-linears mlp.down_proj,...:
 * edits of the dtype's plan), --fresh-cache (first start: quantize into an empty cache, then the cached
 * start), --no-limits, --seed N. On Linux the bench re-executes itself once under glibc malloc's 1 MiB mmap
 * threshold unless the environment sets one (malloc_env.ts; PALIGEMMA_MALLOC_TUNED=0: glibc's default)
 * and prints the setting it ran under (`malloc:`, JSON `malloc`). The checkpoint (~11.7 GB float32) is
 * written once under $PALIGEMMA_BENCH_CACHE or os.tmpdir()/paligemma-ts-bench/ and reused; quantized
 * weights are cached next to it (bench-root/weight-cache).
 *
 * Reference: DESIGN.md section 4; targets in docs (TTFT <= 8 s, decode <= 0.45 s/token, RSS <= 1.1x).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Tensor, releaseAllSessions, seededRng } from "@paligemma-ts/tensor";
import type { GemmaModel } from "@paligemma-ts/gemma";
import { PaliGemma, type WeightDType, checkWeightDType, loadPaliGemmaConfig } from "../src/index.ts";
import { benchPlan } from "./bench_plan.ts";
import { decodeWeightBytes, decoderLinearParams, prefillFlops, prefillFlopsParts, visionFlops, visionFlopsParts } from "./costs.ts";
import { QUANT_BYTES_PER_WEIGHT, type QuantCeiling, type QuantKind, machineLimits, prefillLimits, quantizedLimits, startLimits } from "./machine_limits.ts";
import { batchRows } from "./batch_rows.ts";
import { mallocSetting, needsMallocReexec, reexecWithMallocThreshold } from "./malloc_env.ts";
import { randomPaliGemma3b } from "./random_checkpoint.ts";
import { imageSizeRow, scalingRows } from "./scaling.ts";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    tokens: { type: "string", default: "24" },
    runs: { type: "string", default: "2" },
    scaling: { type: "boolean", default: false },
    threads: { type: "string" },
    dtype: { type: "string", default: "f32" },
    "vision-dtype": { type: "string", default: "int8" },
    "int8-kernel": { type: "string", default: "dynamic" },
    "fresh-cache": { type: "boolean", default: false },
    "head-bits": { type: "string" },
    "int4-linears": { type: "string", default: "" },
    "no-limits": { type: "boolean", default: false },
    seed: { type: "string", default: "0" },
    prompt: { type: "string", default: "caption en describe the picture in a few words" },
    "image-size": { type: "string", default: "224" },
    "checkpoint-dtype": { type: "string", default: "f32" },
    "half-to-float": { type: "string", default: "cache" },
    batch: { type: "string", default: "" },
  },
});
// glibc reads its malloc settings at start: re-run once with the 1 MiB mmap threshold (malloc_env.ts).
if (needsMallocReexec()) await reexecWithMallocThreshold();
const malloc = mallocSetting();
const log = (s: string) => (args.json ? process.stderr : process.stdout).write(`${s}\n`);
const GB = 1e9;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rss = () => process.memoryUsage().rss;
const maxRss = () => process.resourceUsage().maxRSS * 1024;

const threads = args.threads ? Number(args.threads) : undefined;
if (threads) process.env.PALIGEMMA_THREADS = String(threads);
const tokenizer = fileURLToPath(new URL("../../../fixtures/paligemma-tiny/tokenizer.model", import.meta.url));
const ckptDtype = args["checkpoint-dtype"] === "bf16" ? "bfloat16" : "float32";
const ckpt = randomPaliGemma3b({ imageSize: Number(args["image-size"]), dtype: ckptDtype, seed: Number(args.seed), tokenizer, log });
log(`malloc: ${malloc}`);
log(`checkpoint: ${ckpt.dir} (${(ckpt.bytes / GB).toFixed(2)} GB ${ckptDtype}, ${ckpt.reused ? "reused from cache" : "generated now"})`);

checkWeightDType(args.dtype, "--dtype");
const dtype = args.dtype as WeightDType;
const lowmem = dtype === "int8-lowmem";
const int4Linears = lowmem ? ["mlp.down_proj"] : args["int4-linears"] ? args["int4-linears"].split(",") : [];
const c0 = loadPaliGemmaConfig(ckpt.dir);
const limits = args["no-limits"] ? null : await machineLimits(2048, 16384, threads);
if (limits) {
  log(`machine: MatMul ${limits.shape}: ${limits.compute.best.toFixed(0)} GFLOP/s best (${limits.compute.median.toFixed(0)} median), M=1 ${limits.memory.best.toFixed(1)} GB/s best (${limits.memory.median.toFixed(1)} median)`);
}
// Quantized decode: the same-run M=1 ceilings of the kernels it uses (machine_limits.ts quantizedLimits).
const int8Like = dtype === "int8" || lowmem;
const qKinds: QuantKind[] = dtype === "int4" ? ["int4-nbits"]
  : int8Like ? [args["int8-kernel"] === "nbits" ? "int8-nbits" : "int8-dqmm", args["head-bits"] === "8" ? "int8-nbits" : "int4-nbits"].filter((k, i, a) => a.indexOf(k as QuantKind) === i) as QuantKind[] : [];
if (int8Like && int4Linears.length && !qKinds.includes("int4-nbits")) qKinds.push("int4-nbits");
const qLimits = args["no-limits"] || qKinds.length === 0 ? null : await quantizedLimits(qKinds, c0.text_config.hidden_size, c0.text_config.intermediate_size, threads);
if (qLimits) {
  for (const [k, q] of Object.entries(qLimits)) {
    log(`machine: ${k} M=1 ${Object.entries(q.shapes).map(([sh, v]) => `${sh} ${v.best.toFixed(1)} GB/s best (${v.bestMs.toFixed(2)} ms; ${v.median.toFixed(1)} median)`).join(", ")}; both ${q.best.toFixed(1)} GB/s best (${q.median.toFixed(1)} median)`);
  }
}
global.gc?.();
const rssBeforeLoad = rss();

let convertTenth = -1;
/** When the last load converted (first and last "convert" event) and compiled. */
const phase = { convertStart: 0, convertEnd: 0, convertBytes: 0 };
/** PaliGemma.load(dir, { dtype }) with the bench's threads, cache and plan knobs (bench_plan.ts). */
async function load(dir: string): Promise<PaliGemma> {
  Object.assign(phase, { convertStart: 0, convertEnd: 0, convertBytes: 0 });
  const opened = await PaliGemma.open(dir);
  const knobs = { headBits: args["head-bits"] ? (Number(args["head-bits"]) as 8 | 4) : undefined, int8Kernel: args["int8-kernel"] as "dynamic" | "nbits", visionDtype: args["vision-dtype"] as "f32" | "int8", int4Linears: lowmem ? [] : int4Linears };
  const plan = benchPlan(dtype, opened.config, opened.layout, knobs);
  return PaliGemma.load(opened, {
    threads, dtype, plan, cacheRoot, halfToFloat: args["half-to-float"] as "cache" | "fold" | "cast",
    onProgress: (e) => {
      if (e.stage === "convert") Object.assign(phase, { convertStart: phase.convertStart || performance.now(), convertEnd: performance.now(), convertBytes: e.total });
      if (e.stage === "compile" && (e.loaded === e.total || e.loaded % 8 === 0)) process.stderr.write(`  load ${e.loaded}/${e.total} ${e.name ?? ""}\n`);
      if (e.stage === "convert" && (e.loaded === e.total || Math.floor((10 * e.loaded) / e.total) > convertTenth)) {
        convertTenth = Math.floor((10 * e.loaded) / e.total);
        process.stderr.write(`  convert ${(e.loaded / 1e6).toFixed(0)}/${(e.total / 1e6).toFixed(0)} MB at ${((e.bytesPerSecond ?? 0) / 1e6).toFixed(0)} MB/s\n`);
      }
    },
  });
}

// --fresh-cache: convert/quantize into an empty cache first (the first start), then load again from it
// (a cached start); the reported load is the cached one. The fresh cache is deleted at the end.
const benchRoot = path.dirname(ckpt.dir);
const cacheRoot = args["fresh-cache"] ? fs.mkdtempSync(path.join(benchRoot, "fresh-cache-")) : path.join(benchRoot, "weight-cache");
let firstLoadMs: number | null = null;
let firstStart: { convertMs: number; convertBytes: number; compileMs: number; limits: Awaited<ReturnType<typeof startLimits>> } | null = null;
if (args["fresh-cache"] && (dtype !== "f32" || ckptDtype !== "float32")) {
  const t0 = performance.now();
  const m = await load(ckpt.dir);
  firstLoadMs = performance.now() - t0;
  const convertMs = phase.convertEnd - phase.convertStart;
  const compileMs = performance.now() - phase.convertEnd;
  await m.dispose();
  global.gc?.();
  // Same-run ceilings of the two phases: the pool reading the same checkpoint bytes, ORT creating prepacked sessions.
  const shards = fs.readdirSync(ckpt.dir).filter((f) => f.endsWith(".safetensors")).map((f) => ({ file: fs.realpathSync(path.join(ckpt.dir, f)), offset: 0, length: fs.statSync(path.join(ckpt.dir, f)).size }));
  const limits = await startLimits(shards, threads);
  firstStart = { convertMs, convertBytes: phase.convertBytes, compileMs, limits };
  log(`first load (converting into an empty cache): ${(firstLoadMs / 1000).toFixed(1)} s = convert ${(convertMs / 1000).toFixed(1)} s (${(phase.convertBytes / GB).toFixed(2)} GB read at ${(phase.convertBytes / convertMs / 1e6).toFixed(2)} GB/s) + sessions ${(compileMs / 1000).toFixed(1)} s (peak RSS so far ${(maxRss() / GB).toFixed(2)} GB)`);
  log(`start ceilings (same run): the pool reads + crc32s the checkpoint at ${limits.readGBs.toFixed(2)} GB/s (${(ckpt.bytes / limits.readGBs / 1e9).toFixed(1)} s for all of it); ORT creates prepacked sessions at ${limits.prepackMBs["int8-dqmm"].toFixed(0)} MB/s (DQMM s8), ${limits.prepackMBs["int4-nbits"].toFixed(0)} MB/s (MatMulNBits int4)`);
}
let t = performance.now();
const model = await load(ckpt.dir);
const loadMs = performance.now() - t;
const rssAfterLoad = rss();
log(`load: ${(loadMs / 1000).toFixed(1)} s, RSS ${(rssAfterLoad / GB).toFixed(2)} GB after load (peak so far ${(maxRss() / GB).toFixed(2)} GB)`);

const c = model.config;
const S = c.vision_config.image_size;
const rng = seededRng(5);
const pixels = new Tensor("float32", [1, 3, S, S], Float32Array.from({ length: 3 * S * S }, () => rng() * 2 - 1));
const promptIds = model.promptIds(args.prompt).ids;
const T = promptIds.length;
const steps = Number(args.tokens);
const decoder = model.uncheckedDecoder as GemmaModel; // its block timings (model.decoder is the finite-checking wrapper)

interface RunResult { visionMs: number; prefillMs: number; ttftMs: number; decodeMsPerToken: number; decodeOutsideOrtPct: number; stepsMs: number[] }
async function run(): Promise<RunResult> {
  const stamps: number[] = [];
  let statsAtFirst = { ...decoder.stats };
  const out = await model.generate({
    images: pixels, prompts: [args.prompt], maxNewTokens: steps, ignoreEos: true,
    onToken: () => {
      stamps.push(performance.now());
      if (stamps.length === 1) statsAtFirst = { ...decoder.stats };
    },
  });
  const stepsMs = stamps.slice(1).map((s, i) => s - stamps[i]);
  const wall = stamps[stamps.length - 1] - stamps[0];
  const inOrt = decoder.stats.blockMs - statsAtFirst.blockMs;
  const tm = out.timings;
  return { visionMs: tm.visionMs, prefillMs: tm.prefillMs, ttftMs: tm.visionMs + tm.prefillMs, decodeMsPerToken: median(stepsMs), decodeOutsideOrtPct: (100 * (wall - inOrt)) / wall, stepsMs };
}

let r: RunResult | undefined;
for (let i = 0; i < Number(args.runs); i++) {
  r = await run();
  log(`run ${i + 1}: vision ${r.visionMs.toFixed(0)} ms, prefill (${T} tokens) ${r.prefillMs.toFixed(0)} ms, TTFT ${(r.ttftMs / 1000).toFixed(2)} s, decode ${r.decodeMsPerToken.toFixed(0)} ms/token (median of ${r.stepsMs.length}), outside ORT ${r.decodeOutsideOrtPct.toFixed(1)}%, RSS ${(rss() / GB).toFixed(2)} GB (peak ${(maxRss() / GB).toFixed(2)})`);
}
const res = r!;
const vGflops = visionFlops(c) / res.visionMs / 1e6;
const pGflops = prefillFlops(c, T) / res.prefillMs / 1e6;
// Bytes one decode step reads, by the kernel that reads them (machine_limits.ts QUANT_BYTES_PER_WEIGHT):
// int4: every linear + the tied head MatMulNBits int4; int8: linears DynamicQuantizeMatMul per-channel
// (--int8-kernel nbits: MatMulNBits int8), --int4-linears MatMulNBits int4, head int4 (--head-bits 8: int8).
const L = c.text_config.num_hidden_layers;
const headParams = c.text_config.vocab_size * c.text_config.hidden_size;
const int4Set = new Set(int8Like ? int4Linears : []);
const bytesByKind: Partial<Record<QuantKind | "f32", number>> = {};
const addBytes = (k: QuantKind | "f32", params: number) => { bytesByKind[k] = (bytesByKind[k] ?? 0) + params * (k === "f32" ? 4 : QUANT_BYTES_PER_WEIGHT[k]); };
if (dtype === "f32") addBytes("f32", decodeWeightBytes(c) / 4);
else {
  const linKind: QuantKind = dtype === "int4" ? "int4-nbits" : args["int8-kernel"] === "nbits" ? "int8-nbits" : "int8-dqmm";
  for (const [name, n] of Object.entries(decoderLinearParams(c))) addBytes(int4Set.has(name) ? "int4-nbits" : linKind, L * n);
  addBytes(int8Like && args["head-bits"] === "8" ? "int8-nbits" : "int4-nbits", headParams);
}
const decodeBytes = Object.values(bytesByKind).reduce((a, b) => a + b, 0);
const dGBs = decodeBytes / res.decodeMsPerToken / 1e6;
// Quantized decode against its own kernels: the time a token would take if every linear ran at its kind's
// best M=1 rate = sum(bytes_kind / ceiling_kind); its GB/s = bytes / that time (a bytes-weighted harmonic mean).
let decodeQuant: { bytesByKind: typeof bytesByKind; kernels: Partial<Record<QuantKind, QuantCeiling>>; kernelBoundMs: number; kernelBoundMedianMs: number; kernelCeilingGBs: number; kernelCeilingMedianGBs: number; ofKernelCeiling: number; ofF32Ceiling: number | null } | null = null;
if (qLimits) {
  const kinds = Object.keys(bytesByKind) as QuantKind[];
  const kernelBoundMs = kinds.reduce((a, k) => a + bytesByKind[k]! / qLimits[k]!.best / 1e6, 0);
  const kernelBoundMedianMs = kinds.reduce((a, k) => a + bytesByKind[k]! / qLimits[k]!.median / 1e6, 0);
  const kernelCeilingGBs = decodeBytes / kernelBoundMs / 1e6;
  decodeQuant = {
    bytesByKind, kernels: qLimits, kernelBoundMs, kernelBoundMedianMs, kernelCeilingGBs, kernelCeilingMedianGBs: decodeBytes / kernelBoundMedianMs / 1e6,
    ofKernelCeiling: dGBs / kernelCeilingGBs, ofF32Ceiling: limits ? dGBs / limits.memory.best : null,
  };
}
const peak = maxRss();
log(`vision ${(visionFlops(c) / GB).toFixed(0)} GFLOP -> ${vGflops.toFixed(0)} GFLOP/s; prefill ${(prefillFlops(c, T) / GB).toFixed(0)} GFLOP -> ${pGflops.toFixed(0)} GFLOP/s` +
  (limits ? ` (${((100 * pGflops) / limits.compute.best).toFixed(0)}% of the MatMul ceiling)` : ""));
log(`decode (${args.dtype}) reads ${(decodeBytes / GB).toFixed(2)} GB of weights per token -> ${dGBs.toFixed(1)} GB/s` + (limits ? ` (${((100 * dGBs) / limits.memory.best).toFixed(0)}% of the ${args.dtype === "f32" ? "" : "f32 "}M=1 ceiling)` : ""));
if (decodeQuant) {
  const parts = Object.entries(decodeQuant.bytesByKind).map(([k, b]) => `${k} ${(b / GB).toFixed(2)} GB @ ${decodeQuant!.kernels[k as QuantKind]!.best.toFixed(1)} GB/s`);
  log(`decode vs its kernels' M=1 ceilings (${parts.join(", ")}): ${decodeQuant.kernelBoundMs.toFixed(1)} ms/token at best rates (${decodeQuant.kernelBoundMedianMs.toFixed(1)} at medians) = ${decodeQuant.kernelCeilingGBs.toFixed(1)} GB/s; decode ${res.decodeMsPerToken.toFixed(0)} ms = ${(100 * decodeQuant.ofKernelCeiling).toFixed(0)}% of it (${(res.decodeMsPerToken / decodeQuant.kernelBoundMs).toFixed(2)}x the kernel-bound time)`);
}
log(`peak RSS ${(peak / GB).toFixed(2)} GB = ${(peak / ckpt.bytes).toFixed(3)}x the weights (${(ckpt.bytes / GB).toFixed(2)} GB)`);

const scaling = args.scaling ? await scalingRows(model, pixels, log) : undefined;
const batches = args.batch ? await batchRows(model, args.prompt, args.batch.split(",").map(Number), steps, log) : undefined;
await model.dispose();
await releaseAllSessions();
// The FLOP model of the first token (costs.ts), against same-run ceilings of its two kinds of work;
// measured after the model is gone, so the ceilings' score matrices do not add to its peak RSS.
let flopModel: Record<string, number> | null = null;
if (!args["no-limits"]) {
  const v = c.vision_config;
  const t = c.text_config;
  const pl = await prefillLimits({ N: c.num_image_tokens, H: v.num_attention_heads, D: v.hidden_size / v.num_attention_heads }, { T, H: t.num_attention_heads, Hkv: t.num_key_value_heads, D: t.head_dim }, threads);
  const vp = visionFlopsParts(c);
  const pp = prefillFlopsParts(c, T);
  const linearRate = dtype === "f32" ? limits!.compute.best : pl.int8Gflops;
  const visionModelMs = vp.linear / linearRate / 1e6 + vp.attention / pl.visionAttnGflops / 1e6;
  const prefillModelMs = pp.linear / linearRate / 1e6 + pp.attention / pl.textAttnGflops / 1e6;
  flopModel = { ...pl, visionLinearGflop: vp.linear / GB, visionAttentionGflop: vp.attention / GB, prefillLinearGflop: pp.linear / GB, prefillAttentionGflop: pp.attention / GB, visionModelMs, prefillModelMs };
  log(`FLOP model (same-run ceilings: ${dtype === "f32" ? "f32 MatMul" : "int8 GEMM"} ${linearRate.toFixed(0)} GFLOP/s, attention op ${pl.visionAttnGflops.toFixed(0)} GFLOP/s at the vision shape, ${pl.textAttnGflops.toFixed(0)} at the decoder's): ` +
    `vision ${(vp.linear / GB).toFixed(0)} GFLOP linear + ${(vp.attention / GB).toFixed(0)} attention -> ${(visionModelMs / 1000).toFixed(2)} s (measured ${(res.visionMs / 1000).toFixed(2)}); ` +
    `prefill ${(pp.linear / GB).toFixed(0)} GFLOP linear + ${(pp.attention / GB).toFixed(0)} attention -> ${(prefillModelMs / 1000).toFixed(2)} s (measured ${(res.prefillMs / 1000).toFixed(2)}); ` +
    `per prompt token ${((pp.linear + pp.attention) / T / 1e9).toFixed(2)} GFLOP (${(pp.linear / T / 1e9).toFixed(2)} linear + ${(pp.attention / T / 1e9).toFixed(2)} attention)`);
}
if (args["fresh-cache"]) fs.rmSync(cacheRoot, { recursive: true, force: true });
const image448 = args.scaling ? await imageSizeRow((size) => load(randomPaliGemma3b({ imageSize: size, seed: Number(args.seed), tokenizer, log }).dir), args.prompt, log) : undefined;

if (args.json) {
  console.log(JSON.stringify({
    checkpoint: { dir: ckpt.dir, bytes: ckpt.bytes, reused: ckpt.reused },
    malloc, threads: threads ?? null, dtype: args.dtype,
    machine: limits, machineQuantized: qLimits,
    imageSize: S, checkpointDtype: ckptDtype, halfToFloat: args["half-to-float"], loadMs, firstLoadMs, firstStart, batches, flopModel, visionDtype: args["vision-dtype"], int8Kernel: args["int8-kernel"], headBits: args["head-bits"] ?? null, int4Linears, rssBeforeLoad, rssAfterLoad,
    promptTokens: T, decodeTokens: steps,
    visionMs: res.visionMs, prefillMs: res.prefillMs, ttftMs: res.ttftMs,
    decodeMsPerToken: res.decodeMsPerToken, decodeStepsMs: res.stepsMs, decodeOutsideOrtPct: res.decodeOutsideOrtPct,
    visionGflops: vGflops, prefillGflops: pGflops, decodeGBs: dGBs, decodeWeightBytes: decodeBytes,
    decodeOfF32Ceiling: limits ? dGBs / limits.memory.best : null, decodeQuantized: decodeQuant,
    peakRss: peak, peakRssOverWeights: peak / ckpt.bytes,
    scaling: scaling ? { ...scaling, image448 } : undefined,
  }));
}
