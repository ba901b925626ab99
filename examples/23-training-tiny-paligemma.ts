/**
 * 23-training-tiny-paligemma.ts — training a PaliGemma from scratch, tiny (~2M parameters, the real
 * SigLIP + Gemma architecture) on the synthetic world of shape and text scenes:
 *   1. the prefix-LM objective on ONE training row: its layout, its mask, the positions the loss is
 *      on (the suffix only), and the loss of an untrained model (about ln V: a uniform guess);
 *   2. a short live run from scratch (train(), the fused ONNX step) whose loss falls;
 *   3. the trained checkpoint models/tiny-paligemma: its loss curve, the same row's loss (equal to
 *      the inference path's PaliGemma.score), its accuracy per task on fresh test scenes, and where
 *      its answer tokens look: each token's attention over the 8 x 8 image patches, drawn on the scene.
 *
 * Run: pnpm example 23       Lesson: docs/23-training-tiny-paligemma.md
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gemmaWeights } from "@paligemma-ts/gemma";
import { AttentionRecorder, CLASSIC_LAYOUT, PaliGemma, attentionProbabilities } from "@paligemma-ts/paligemma";
import { rotaryTables } from "@paligemma-ts/core";
import { EagerOps, Tensor, releaseAllSessions, runOps, seededRng } from "@paligemma-ts/tensor";
import {
  COLOR_NAMES, SHAPE_NAMES, type ShapeScene, cachedTokenizer, checkpointParams, evalExamples, evaluate, initialWeights, loadWorldTokenizer,
  lossInputs, makeBatch, paligemmaLoss, parameterCount, splitExamples, tinyConfig, train, worldConfig,
} from "@paligemma-ts/train";
import { blank, lineChart, panels, savePng, vstack } from "@paligemma-ts/examples/plot";

const DIR = "models/tiny-paligemma"; // the trained checkpoint of part 3 (a Hugging Face folder)
const missing = ["model.safetensors", "trainer_state.json", "loss.csv"].filter((f) => !existsSync(join(DIR, f)));
if (missing.length) {
  console.error(`${DIR} has no ${missing.join(", ")}: train a checkpoint with \`pnpm paligemma train --out ${DIR}\` (docs/23-training-tiny-paligemma.md)`);
  process.exit(1);
}
const world = worldConfig(); // 64 x 64 scenes, 8 px patches
const c = tinyConfig(); // the tiny PaliGemma's config (what the checkpoint's config.json holds)
const N = c.num_image_tokens; // 64
const V = c.text_config.vocab_size; // 1493
const tokenizer = await loadWorldTokenizer();
const piece = (id: number): string => (id === c.image_token_index ? "<image>" : (tokenizer.idToPiece(id) ?? `<${id}>`).replace("\n", "\\n"));

const tc = c.text_config;
const vc = c.vision_config;
console.log(`tiny PaliGemma: SigLIP ${vc.image_size}x${vc.image_size} images, patch ${vc.patch_size} -> ${N} image tokens, ${vc.num_hidden_layers} blocks of width ${vc.hidden_size}; Gemma ${tc.num_hidden_layers} layers of width ${tc.hidden_size}, ${tc.num_attention_heads} query heads / ${tc.num_key_value_heads} kv head, vocab ${V}\n`);

// 1. One training row. The row is <image> x N, <bos>, prefix + "\n", suffix, <eos>: the model reads
//    the prefix (image and prompt, bidirectionally) and is trained to write the suffix (causally).
const CAPTION_ONLY = { caption: 1, detect: 0, vqa: 0, ocr: 0 };
const [ex] = splitExamples("train", 0, 1, world, CAPTION_ONLY);
const batch = makeBatch([ex], cachedTokenizer(tokenizer), world); // pixel_values [1, 3, 64, 64], ids [1][L]
const ids = batch.inputIds[0];
const [P, S, L] = [batch.prefixLengths[0], batch.suffixLengths[0], batch.length];
console.log(`training row "${ex.prefix}" -> "${ex.suffix}": ${L} ids = ${N} <image> + <bos> + ${P - N - 1} prefix + ${S - 1} suffix + <eos>`);
console.log(`  <image> x${N} ${ids.slice(N).map(piece).join(" ")}`);
console.log(`  prefix length ${P} (token type 0: no loss), suffix length ${S} (token type 1: the loss)`);

// The step's fixed frame (a training graph has static shapes): 4 slots of padding, 16 target slots.
const frame = { batch: 1, length: L + 4, targets: 16 };
const inputs = lossInputs(batch, c, frame); // text_ids [1, L+4-N], attention_mask [1, 1, L+4, L+4], target_rows [16], target_onehot [16, V]
const T = frame.length;
const mask = inputs.attention_mask.toFloat32();
console.log(`\nprefix-LM mask [${inputs.attention_mask.shape}] (x = attends; the ${N} image keys counted, then every text key):`);
for (const q of [0, N, P - 1, P, L - 1, L]) {
  const row = mask.subarray(q * T, (q + 1) * T);
  const image = row.subarray(0, N).filter((v) => v === 0).length;
  const text = Array.from(row.subarray(N), (v) => (v === 0 ? "x" : ".")).join("");
  console.log(`  q${String(q).padEnd(3)} ${(q < L ? piece(ids[q]) : "<pad>").padEnd(8)} image ${String(image).padStart(2)}/${N}  text ${text}`);
}
const rows = Array.from(inputs.target_rows.toArray(), Number); // flat positions b * T + t - 1
const onehot = inputs.target_onehot.toFloat32(); // [16, V]
const real = rows.map((_, k) => onehot.subarray(k * V, (k + 1) * V).findIndex((w) => w > 0)).filter((id) => id >= 0);
const weight = onehot.reduce((a, w) => a + w, 0);
console.log(`loss positions t - 1 = ${rows.slice(0, real.length).join(",")} predict ${real.map(piece).join(" ")}`);
console.log(`target slots: ${real.length} real of ${frame.targets}, one-hot weights sum to ${weight.toFixed(6)} (1/${real.length} each; unused slots weigh 0)`);

// The objective: loss = -(1/S) sum over the S suffix tokens of log p(token | everything before it).
const lossOf = async (params: Parameters<typeof runOps>[3]) =>
  (await runOps("reference", (ops, x) => paligemmaLoss(ops, c, CLASSIC_LAYOUT, x as never, frame.batch, frame.length).loss, inputs, params)).item();
const untrained = await lossOf(Object.fromEntries(initialWeights(c, seededRng(0))));
console.log(`untrained model (weights N(0, 0.02)): loss ${untrained.toFixed(4)}, ln V = ln ${V} = ${Math.log(V).toFixed(4)}: |diff| ${Math.abs(untrained - Math.log(V)).toFixed(4)}`);

// 2. A short live run from scratch: 30 steps of 16 rows, each step one ONNX session running the
//    forward, the backward (grad() over the same graph), clipping and AdamW.
const tmp = mkdtempSync(join(tmpdir(), "lesson23-"));
const [steps, rowsPerStep, warmup] = [30, 16, 5];
const t0 = performance.now();
// evalEvery 0: checkpoint (and a token 1-example-per-task validation) only at the end; 2 threads as lesson 22
const log = await train(join(tmp, "run"), { steps, batch: rowsPerStep, warmup, lr: 3e-3, evalEvery: 0, evalPerTask: 1, targets: 160, seed: 3, stage0Steps: 0 }, { session: { threads: 2 } });
const seconds = (performance.now() - t0) / 1000;
rmSync(tmp, { recursive: true, force: true });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const [first, last] = [mean(log.slice(0, 5).map((r) => r.loss)), mean(log.slice(-5).map((r) => r.loss))];
console.log(`\ntrain(): ${(parameterCount() / 1e6).toFixed(2)}M parameters from scratch, ${log.length} steps of ${rowsPerStep} rows in ${seconds.toFixed(1)} s`);
console.log(`loss: step 1 ${log[0].loss.toFixed(3)}; mean of steps 1-5 ${first.toFixed(3)} -> steps ${steps - 4}-${steps} ${last.toFixed(3)} (ratio ${(last / first).toFixed(3)})`);
console.log(`grad norm (before clipping to 1): step 1 ${log[0].gradNorm.toFixed(3)}, step ${steps} ${log.at(-1)!.gradNorm.toFixed(3)}; lr peaks at ${Math.max(...log.map((r) => r.lr)).toExponential(1)} after ${warmup} warmup steps`);

// 3. The trained checkpoint: how it was trained (trainer_state.json) and its loss curve (loss.csv).
const state = JSON.parse(readFileSync(join(DIR, "trainer_state.json"), "utf8")) as { step: number; settings: { steps: number; batch: number; lr: number; warmup: number; evalEvery: number; tasks: Record<string, number>; init?: string } };
const s = state.settings;
const mix = Object.entries(s.tasks).map(([k, w]) => `${k} ${w}`).join(", ");
console.log(`\n${DIR} (trainer_state.json): step ${state.step} of ${s.steps}, ${s.batch} rows per step, peak lr ${s.lr}, warmup ${s.warmup}`);
console.log(`  task mix ${mix}; ${s.init ? "started from another checkpoint's tensors (--init)" : "from scratch"}`);
const [head, ...lines] = readFileSync(join(DIR, "loss.csv"), "utf8").trim().split("\n");
const columns = head.split(","); // step, loss, lr, grad_norm, step_ms, val_<task>...
const csv = lines.map((l) => l.split(","));
const curve = csv.map((r) => Number(r[1]));
const smooth = curve.map((_, i) => mean(curve.slice(Math.max(0, i - 10), i + 11))); // centered mean of 21 steps
console.log(`loss.csv: ${curve.length} steps; loss step 1 ${curve[0].toFixed(3)} (ln V ${Math.log(V).toFixed(3)}) -> mean of the last 50 steps ${mean(curve.slice(-50)).toFixed(3)}`);
const valRow = csv.findLast((r) => r[columns.indexOf("val_caption")] !== "");
if (valRow) {
  const vals = columns.flatMap((col, i) => (col.startsWith("val_") ? [`${col.slice(4)} ${(100 * Number(valRow[i])).toFixed(1)}%`] : []));
  console.log(`its last validation (step ${valRow[0]}, validation scenes): ${vals.join(", ")}`);
}

const opened = await PaliGemma.open(DIR);
const model = await PaliGemma.load(opened); // ONNX kernels: the model a user of the checkpoint gets
const trained = await lossOf(checkpointParams(DIR));
const scored = await model.score(ex.image, ex.prefix, ex.suffix);
console.log(`the same training row: loss ${trained.toFixed(4)} (untrained ${untrained.toFixed(4)}); PaliGemma.score's mean suffix NLL ${scored.meanNll.toFixed(4)}: |diff| ${Math.abs(trained - scored.meanNll).toExponential(1)}`);

// Accuracy per task on test scenes (a split no training scene is in), greedy answers.
const perTask = 16;
const evaluation = await evaluate(model, world, { perTask });
console.log(`test scenes, ${perTask} per task (exact match; detect: boxes found at IoU >= 0.5):`);
for (const [task, r] of Object.entries(evaluation.results)) console.log(`  ${task.padEnd(8)} ${(100 * r!.accuracy).toFixed(1)}% (${r!.correct}/${r!.total})`);
for (const task of ["caption", "detect", "vqa", "ocr"]) {
  const rec = evaluation.records.find((r) => r.task === task)!;
  console.log(`    e.g. "${rec.prefix}" -> ${JSON.stringify(rec.prediction)}, truth ${JSON.stringify(rec.target)}`);
}

// Where do the answer tokens look? Generate under an AttentionRecorder (it passes every call
// through and keeps each step's query), then recompute one layer's attention row per token.
const probeEx = evalExamples("caption", world, 40).find((e) => (e.scene as ShapeScene).objects.length === 2)!;
const objects = (probeEx.scene as ShapeScene).objects;
const recorder = new AttentionRecorder(model.decoder, tc);
const probe = PaliGemma.fromRunners(model.config, model.tokenizer, model.vision, recorder);
const gen = await probe.generate({ images: [probeEx.image], prompts: [probeEx.prefix], maxNewTokens: 16 });
const layer = tc.num_hidden_layers - 1;
const weights = (name: string) => opened.checkpoint.read(name).to("float32");
const side = Math.sqrt(N); // 8 patches per side, 8 px each
const patch = world.imageSize / side;
const onObject = (o: (typeof objects)[number]) => Array.from({ length: N }, (_, i) => {
  const [x, y] = [(i % side) * patch, Math.floor(i / side) * patch];
  return x < o.box.xmax && x + patch > o.box.xmin && y < o.box.ymax && y + patch > o.box.ymin;
});
const masks = objects.map(onObject); // [object][patch]
const span = (m: boolean[], axis: (i: number) => number) => { const v = m.flatMap((on, i) => (on ? [axis(i)] : [])); return `${Math.min(...v)}-${Math.max(...v)}`; };
const where = objects.map((o, k) => `${o.color} ${o.shape} at patch rows ${span(masks[k], (i) => Math.floor(i / side))}, cols ${span(masks[k], (i) => i % side)} (${masks[k].filter(Boolean).length} of ${N})`);
console.log(`\nattention probe on a test scene: ${where.join("; ")}`);
console.log(`"${probeEx.prefix}" -> "${gen.texts[0]}" (truth "${probeEx.suffix}")`);
console.log(`layer ${layer}, heads averaged; shares = part of a token's image attention on object 1 / object 2 (uniform: ${masks.map((m) => (m.filter(Boolean).length / N).toFixed(2)).join(" / ")})`);
const maps = gen.generatedIds[0].map((id, t) => ({ id, map: recorder.imageAttention(weights, opened.layout.text, { row: 0, token: t, layer, firstImageSlot: 0, numImageTokens: N }) }));
for (const { id, map } of maps) {
  const shares = masks.map((m) => map.values.reduce((a, v, i) => a + (m[i] ? v : 0), 0) / map.imageMass);
  console.log(`  ${piece(id).padEnd(10)} on image ${map.imageMass.toFixed(3)}  top patch (row ${map.argmax[0]}, col ${map.argmax[1]})  shares ${shares.map((s) => s.toFixed(2)).join(" / ")}`);
}

// The recorder's map is one row of softmax(q K^T / sqrt(D) + mask): recompute the whole row of
// answer token 1 (after "a ") from the recorded query and the KV cache, and see where the rest goes.
const k = Math.min(1, recorder.steps.length - 1); // answer token 1, the one after "a " (0 if the answer is a single token)
const step = recorder.steps[k];
const cache = recorder.cache!.layers[layer];
const W = cache.numKvHeads * cache.headDim;
const { cos, sin } = rotaryTables([[step.positions[0]]], tc.head_dim, tc.rope_theta); // [1, 1, D/2]
const { perHead, mean: row } = attentionProbabilities(new EagerOps(weights), tc, layer, gemmaWeights(tc, opened.layout.text).layers[layer], {
  hidden: step.hidden[layer], // [1, 1, H]
  cos,
  sin,
  keys: new Tensor("float32", [1, step.keys, W], cache.keys.slice(0, step.keys * W)), // [1, Tk, Hkv*D]: batch 1, so time-major = batch-major
  mask: (step.mask ?? Tensor.zeros([1, 1, 1, step.keys])).to("float32").reshape([1, 1, 1, step.keys]),
});
const p = row.toFloat32(); // [Tk]
const ph = perHead.toFloat32(); // [H * Tk]
const H = tc.num_attention_heads;
const headSums = Array.from({ length: H }, (_, h) => ph.subarray(h * step.keys, (h + 1) * step.keys).reduce((a, v) => a + v, 0));
const part = (a: number, b: number) => p.subarray(a, b).reduce((s, v) => s + v, 0);
const promptEnd = gen.inputIds[0].length; // image + <bos> + prompt + "\n"
console.log(`answer token ${k} (row ${k + 1} of the table): ${step.keys} keys; each of the ${H} heads' rows sums to 1 (max |sum - 1| ${Math.max(...headSums.map((s) => Math.abs(s - 1))).toExponential(1)})`);
console.log(`  image ${part(0, N).toFixed(3)} + <bos> ${part(N, N + 1).toFixed(3)} + prompt ${part(N + 1, promptEnd).toFixed(3)} + answer so far ${part(promptEnd, step.keys).toFixed(3)} = ${part(0, step.keys).toFixed(6)}`);
console.log(`  its 64 image values vs the recorder's map: max |diff| ${Math.max(...maps[k].map.values.map((v, i) => Math.abs(v - p[i]))).toExponential(1)}`);

// The picture: the loss curves, then the scene and, for each color or shape word of the answer,
// its attention map upscaled to the scene (8 x 8 patches -> 64 x 64 pixels -> x3) over the scene.
const ZOOM = 3;
const sceneImage = (heat?: number[]): ReturnType<typeof blank> => {
  const size = world.imageSize * ZOOM;
  const img = blank(size, size);
  const top = heat ? Math.max(...heat) : 1;
  const d = img.bitmap.data;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const [sx, sy] = [Math.floor(x / ZOOM), Math.floor(y / ZOOM)];
      const src = (sy * world.imageSize + sx) * 3;
      const o = (y * size + x) * 4;
      const a = heat ? heat[Math.floor(sy / patch) * side + Math.floor(sx / patch)] / top : 0; // 0..1
      const edge = heat && (x % (patch * ZOOM) === 0 || y % (patch * ZOOM) === 0);
      for (let ch = 0; ch < 3; ch++) {
        const pixel = probeEx.image.data[src + ch];
        d[o + ch] = heat ? (edge ? 90 : Math.round(0.35 * pixel + 0.65 * 255 * a * [1, 0.8, 0][ch])) : pixel; // dark -> yellow
      }
    }
  }
  return img;
};
const words = new Set<string>([...COLOR_NAMES, ...SHAPE_NAMES]);
const shown = maps.filter(({ id }) => words.has(piece(id).replace("\u2581", ""))).slice(0, 4);
const charts = await panels([
  { title: `${DIR}: loss by step, ${curve[0].toFixed(1)} -> ${smooth.at(-1)!.toFixed(2)}`, image: await lineChart([{ label: "loss", values: curve, color: [190, 190, 190] }, { label: "mean of 21 steps", values: smooth, color: [33, 84, 168] }], { width: 520, height: 200 }) },
  { title: `this run: ${steps} steps, ${log[0].loss.toFixed(1)} -> ${log.at(-1)!.loss.toFixed(2)}`, image: await lineChart([{ label: "loss", values: log.map((r) => r.loss) }], { width: 300, height: 200 }) },
]);
const scenes = await panels([
  { title: "test scene", image: sceneImage() },
  ...shown.map(({ id, map }) => ({ title: `"${piece(id).replace("\u2581", "")}" (layer ${layer})`, image: sceneImage(map.values) })),
]);
console.log(`wrote ${await savePng(vstack([charts, scenes]), "23-training-tiny-paligemma.png")}`);

await model.dispose();
opened.close();
releaseAllSessions();
