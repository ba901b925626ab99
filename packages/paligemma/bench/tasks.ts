/**
 * tasks.ts — `pnpm bench:tasks`: what the newer decoding features cost, measured in one process.
 *
 *   mask decoder   the VQ-VAE decoder at vae-oid.npz's real shape (fixtures/vqvae-random: random
 *                  weights, the real names and shapes, D = 512), per object: ONNX kernels for 1 and
 *                  8 objects in one call, the reference kernels for 1, and the placement of one
 *                  64x64 mask into a 300x200 box of a 640x480 image (PIL bilinear + threshold)
 *   beam search    greedy vs numBeams 4 on the same prompt and image, --tokens new tokens, eos
 *                  ignored: time to first token, decode ms per step (one step = all 4 beams), total;
 *                  the ratios beam / greedy. Model: the bench's random 3B checkpoint (random_checkpoint.ts,
 *                  written once, ~11.7 GB), or --model tiny (fixtures/paligemma-tiny) for a quick look
 * Medians of --runs runs after one warm-up. Options: --runs N (default 5), --tokens N (default 16),
 * --model 3b|tiny, --dtype f32|int8|int8-lowmem|int4 (3b only), --json.
 *
 * Reference: bench.ts (the main bench); DESIGN.md section 4 (why B = 4 decode costs little more than B = 1
 * at M = 1: the step is bound by reading the weights).
 */
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { placeMask } from "@paligemma-ts/processor";
import { Tensor, releaseAllSessions, seededRng } from "@paligemma-ts/tensor";
import { MaskDecoder, PaliGemma, type WeightDType, checkWeightDType } from "../src/index.ts";
import { randomPaliGemma3b } from "./random_checkpoint.ts";

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    tokens: { type: "string", default: "16" },
    model: { type: "string", default: "3b" },
    dtype: { type: "string", default: "f32" },
    json: { type: "boolean", default: false },
  },
});
const log = (s: string) => (args.json ? process.stderr : process.stdout).write(`${s}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const runs = Number(args.runs);
/** Median ms of `runs` calls of fn after one warm-up call. */
async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

// ---- mask decoder ----
const vae = fileURLToPath(new URL("../../../fixtures/vqvae-random/vae-random.npz", import.meta.url));
const rng = seededRng(1);
const codes = (n: number) => Array.from({ length: n }, () => Array.from({ length: 16 }, () => Math.floor(rng() * 128)));
let t0 = performance.now();
const onnx = await MaskDecoder.load(vae, { backend: "onnx" });
const loadMs = performance.now() - t0;
const reference = await MaskDecoder.load(vae, { backend: "reference" });
const one = codes(1);
const eight = codes(8);
const onnx1 = await time(() => onnx.decode(one));
const onnx8 = (await time(() => onnx.decode(eight))) / 8;
const ref1 = await time(() => reference.decode(one));
const mask64 = (await onnx.decode(one)).toFloat32();
const placeMs = await time(() => placeMask(mask64, [100, 200, 520, 680], { width: 640, height: 480 })); // a ~300 x 200 box
log(`mask decoder (vae-oid shape, D 512): load ${loadMs.toFixed(0)} ms; onnx ${onnx1.toFixed(2)} ms for 1 object, ${onnx8.toFixed(2)} ms/object in a batch of 8; reference ${ref1.toFixed(0)} ms/object; placement into a 300x200 box of 640x480 ${placeMs.toFixed(2)} ms`);
await onnx.dispose();
await reference.dispose();

// ---- beam search vs greedy ----
checkWeightDType(args.dtype, "--dtype");
const tokenizer = fileURLToPath(new URL("../../../fixtures/paligemma-tiny/tokenizer.model", import.meta.url));
const dir = args.model === "tiny" ? fileURLToPath(new URL("../../../fixtures/paligemma-tiny", import.meta.url)) : randomPaliGemma3b({ tokenizer, log }).dir;
// Quantized weights are cached next to the bench checkpoint, as bench.ts does (bench-root/weight-cache).
const cacheRoot = args.model === "tiny" ? undefined : path.join(path.dirname(dir), "weight-cache");
const model = await PaliGemma.load(dir, { dtype: args.dtype as WeightDType, cacheRoot });
const S = model.config.vision_config.image_size;
const pixels = new Tensor("float32", [1, 3, S, S], Float32Array.from({ length: 3 * S * S }, () => rng() * 2 - 1));
const steps = Number(args.tokens);
const prompt = "caption en describe the picture in a few words";
interface Row { ttftMs: number; decodeMsPerStep: number; totalMs: number }
async function generateRow(numBeams?: number): Promise<Row> {
  const rows: Row[] = [];
  for (let i = 0; i <= Math.min(runs, 3); i++) {
    const t = performance.now();
    const out = await model.generate({ images: pixels, prompts: [prompt], maxNewTokens: steps, ignoreEos: true, numBeams });
    const tm = out.timings;
    if (i > 0) rows.push({ ttftMs: tm.visionMs + tm.prefillMs, decodeMsPerStep: tm.decodeMsPerToken, totalMs: performance.now() - t });
  }
  return { ttftMs: median(rows.map((r) => r.ttftMs)), decodeMsPerStep: median(rows.map((r) => r.decodeMsPerStep)), totalMs: median(rows.map((r) => r.totalMs)) };
}
const greedy = await generateRow();
const beams = await generateRow(4);
const fmt = (r: Row) => `TTFT ${(r.ttftMs / 1000).toFixed(2)} s, decode ${r.decodeMsPerStep.toFixed(0)} ms/step, total ${(r.totalMs / 1000).toFixed(2)} s`;
log(`${args.model} ${args.dtype}, ${steps} new tokens: greedy ${fmt(greedy)}; 4 beams ${fmt(beams)}; beam/greedy: decode step ${(beams.decodeMsPerStep / greedy.decodeMsPerStep).toFixed(2)}x, total ${(beams.totalMs / greedy.totalMs).toFixed(2)}x`);
await model.dispose();
await releaseAllSessions();
if (args.json) {
  console.log(JSON.stringify({ maskDecoder: { loadMs, onnxMsPerObject1: onnx1, onnxMsPerObject8: onnx8, referenceMsPerObject: ref1, placeMs }, beamSearch: { model: args.model, dtype: args.dtype, tokens: steps, greedy, beams4: beams } }));
}
