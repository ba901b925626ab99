/**
 * 22-training-tiny-siglip.ts — contrastive pretraining made real: the tiny PaliGemma's vision tower
 * and a small text tower trained from scratch on scene / caption pairs, once with SigLIP's sigmoid
 * loss and once with CLIP's softmax loss, side by side; zero-shot classification of test scenes;
 * the loss curves and the image-text similarity matrix as pictures.
 *
 *   batch      B = 8 training scenes with 8 different captions: pixels [8, 3, 64, 64], ids [8, 12]
 *   towers     image [8, 64 patches, 128] -> mean -> [8, 64];  text [8, 12, 128] -> last -> [8, 64]
 *   loss       siglip: -(1/B) sum_ij log sigmoid(z_ij (t cos_ij + b))   clip: mean of the row and column CEs
 *   zero-shot  240 single-object test scenes x the 24 captions "a <color> <shape>" -> cosines [240, 24]
 *
 * Deterministic: seeded weights and data, and the training sessions pinned to 2 threads (the sum
 * order inside a MatMul depends on how it is split across threads, and a short training run
 * amplifies such last-bit differences into different accuracies).
 *
 * Run: pnpm example 22       Lesson: docs/22-training-tiny-siglip.md
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLASSIC_LAYOUT, paliGemmaWeightSpecs } from "@paligemma-ts/paligemma";
import { PALIGEMMA_VISION_PREFIX } from "@paligemma-ts/siglip";
import { COLOR_NAMES, SHAPE_NAMES, TINY_SIZES, ZERO_SHOT_CLASSES, cachedTokenizer, loadStage0, loadWorldTokenizer, tinyConfig, trainStage0, worldConfig, zeroShot } from "@paligemma-ts/train";
import { heatmap, lineChart, panels, savePng } from "@paligemma-ts/examples/plot";

const STEPS = 200;
const BATCH = 8;
const LR = 2e-3;
const SCENES = 240; // single-object test scenes for zero-shot accuracy
const C = ZERO_SHOT_CLASSES.length; // 24 = 6 colors x 4 shapes, class index = color * 4 + shape
const world = worldConfig({ imageSize: TINY_SIZES.imageSize, patchSize: TINY_SIZES.patchSize });
const tokenizer = cachedTokenizer(await loadWorldTokenizer());
const dir = mkdtempSync(join(tmpdir(), "lesson22-"));
console.log(`tiny dual encoder: the tiny PaliGemma's SigLIP (64x64 images, patch 8, width ${TINY_SIZES.width}, ${TINY_SIZES.visionLayers} blocks) + a 2-layer text tower`);
console.log(`${STEPS} steps of ${BATCH} scenes with distinct captions per loss, peak lr ${LR}, the same seed and data for both`);

/** Zero-shot scores from a [n, 24] cosine matrix: the whole class, and its color and shape parts. */
function scores(sim: Float32Array, truth: readonly number[]): { all: number; color: number; shape: number } {
  let [all, color, shape] = [0, 0, 0];
  truth.forEach((t, r) => {
    let best = 0;
    for (let j = 1; j < C; j++) if (sim[r * C + j] > sim[r * C + best]) best = j;
    all += +(best === t);
    color += +(Math.floor(best / SHAPE_NAMES.length) === Math.floor(t / SHAPE_NAMES.length));
    shape += +(best % SHAPE_NAMES.length === t % SHAPE_NAMES.length);
  });
  return { all: (100 * all) / truth.length, color: (100 * color) / truth.length, shape: (100 * shape) / truth.length };
}

/** Mean cosine of the test scenes of class r with caption c: [24, 24] (rows with no scene stay 0). */
function classMeans(sim: Float32Array, truth: readonly number[]): Float32Array {
  const sum = new Float32Array(C * C);
  const count = new Array<number>(C).fill(0);
  truth.forEach((t, r) => {
    count[t]++;
    for (let c = 0; c < C; c++) sum[t * C + c] += sim[r * C + c];
  });
  return sum.map((v, i) => (count[Math.floor(i / C)] ? v / count[Math.floor(i / C)] : 0));
}

const smooth = (v: number[], k = 10) => v.map((_, i) => { const w = v.slice(Math.max(0, i - k + 1), i + 1); return w.reduce((s, x) => s + x, 0) / w.length; });
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const curves: { label: string; values: number[] }[] = [];
const matrices: { title: string; image: ReturnType<typeof heatmap> }[] = [];
for (const loss of ["siglip", "clip"] as const) {
  const t0 = performance.now();
  // evalScenes: trainStage0's own check at the end, kept small; the 240-scene zero-shot below is the one printed
  const log = await trainStage0(join(dir, loss), { loss, steps: STEPS, batch: BATCH, lr: LR, warmup: 20, evalEvery: 0, evalScenes: 24, seed: 1 }, { session: { threads: 2 } });
  const seconds = (performance.now() - t0) / 1000;
  const losses = log.map((r) => r.loss);
  const [first, last] = [mean(losses.slice(0, 10)), mean(losses.slice(-10))];
  // At initialization all cosines are near 0, so every logit is about b (SigLIP) or all are equal (CLIP):
  //   SigLIP: softplus(-b) + (B - 1) softplus(b) = softplus(10) + 7 softplus(-10);   CLIP: log B
  const atInit = loss === "siglip" ? softplus(10) + (BATCH - 1) * softplus(-10) : Math.log(BATCH);
  console.log(`\n${loss}: step 1 loss ${losses[0].toFixed(3)} (all cosines 0 would give ${atInit.toFixed(3)}); mean of the first / last 10 steps ${first.toFixed(3)} -> ${last.toFixed(3)}, last / first ${(last / first).toFixed(2)}`);
  curves.push({ label: loss, values: smooth(losses).map((v) => v / smooth(losses)[0]) });

  // The learned temperature (and SigLIP's bias): one number each; Adam moves a weight by about lr per step at most.
  const s0 = loadStage0(join(dir, loss));
  const logT = s0.weights.get("logit_scale")![0];
  const logT0 = Math.log(loss === "siglip" ? 10 : 1 / 0.07);
  const lrSum = log.reduce((s, r) => s + r.lr, 0);
  const b = s0.weights.get("logit_bias")![0];
  const bias = loss === "siglip" ? `b -10.000 -> ${b.toFixed(3)} (|change| ${Math.abs(b + 10).toFixed(3)})` : "no bias";
  console.log(`${loss}: t ${Math.exp(logT0).toFixed(2)} -> ${Math.exp(logT).toFixed(2)} (|change of log t| ${Math.abs(logT - logT0).toFixed(3)}), ${bias}; the lr summed over the ${STEPS} steps is ${lrSum.toFixed(3)}`);

  // Zero-shot: every test scene against the 24 class captions.
  const { accuracy, similarity, truth } = await zeroShot(s0.weights, s0.config, world, tokenizer, SCENES);
  const sim = similarity.toFloat32(); // [240, 24] cosines
  const sc = scores(sim, truth);
  console.log(`${loss}: zero-shot accuracy on ${SCENES} single-object test scenes: ${(100 * accuracy).toFixed(1)}% (chance ${(100 / C).toFixed(1)}%)`);
  console.log(`${loss}: the predicted class has the right color ${sc.color.toFixed(1)}% (chance ${(100 / COLOR_NAMES.length).toFixed(1)}%), the right shape ${sc.shape.toFixed(1)}% (chance ${(100 / SHAPE_NAMES.length).toFixed(1)}%)`);
  const own = mean(truth.map((c, r) => sim[r * C + c]));
  console.log(`${loss}: mean cosine of a scene with its own caption ${own.toFixed(3)}, with all 24 captions ${mean([...sim]).toFixed(3)}`);
  console.log(`${loss}: trained in ${seconds.toFixed(1)} s`);
  matrices.push({ title: `${loss}: class (rows) x caption, mean cosine`, image: heatmap(classMeans(sim, truth), C, C, { colormap: "diverging", cell: 8 }) });

  // Stage 0 feeds PaliGemma: the vision tower is saved under the tiny PaliGemma's own tensor names.
  if (loss === "siglip") {
    const size = new Map(paliGemmaWeightSpecs(tinyConfig(), CLASSIC_LAYOUT).map((p) => [p.name, p.shape.reduce((a, d) => a * d, 1)]));
    const vision = [...s0.weights.keys()].filter((n) => n.startsWith(PALIGEMMA_VISION_PREFIX));
    const same = vision.filter((n) => size.get(n) === s0.weights.get(n)!.length);
    console.log(`${loss}: checkpoint ${s0.weights.size} tensors, ${vision.length} of them ${PALIGEMMA_VISION_PREFIX}*; ${same.length} of those ${vision.length} are tiny-PaliGemma tensors of the same name and size (what \`paligemma train --init DIR\` copies)`);
  }
}

const png = await panels([
  { title: "loss / first loss (10-step mean)", image: await lineChart(curves, { width: 360, height: 192 }) },
  ...matrices,
]);
console.log(`\nwrote ${await savePng(png, "22-tiny-siglip.png")}`);
rmSync(dir, { recursive: true, force: true });
