/**
 * stage0.ts — stage 0 of PaliGemma's recipe, tiny: pretrain the vision tower contrastively on
 * scene / caption pairs, with SigLIP's sigmoid loss or CLIP's softmax loss, and measure zero-shot
 * classification.
 *
 * Teaches: what contrastive pretraining learns without any labels but the captions:
 *   batch    B shape scenes of the training split with B DIFFERENT captions (in-batch negatives: two
 *            identical captions would make a correct pair count as a mistake)
 *   towers   dual_encoder.ts: the tiny PaliGemma's SigLIP (same weight names) + a small text tower
 *   loss     siglip: -(1/B) sum_ij log sigmoid(z_ij (t s_ij + b)),   t = exp(log t) init 10, b init -10
 *            clip:   (CE(rows) + CE(columns)) / 2 of t s,            t init 1 / 0.07 (CLIP's)
 *   zero-shot: a single-object TEST scene is classified among the 24 captions "a <color> <shape>"
 *            by the most similar caption embedding; accuracy = how often that is the truth.
 * The vision weights are saved under PaliGemma's names (vision_tower.vision_model.*), so
 * `paligemma train --init <stage0 dir>` starts stage 1 from them, as PaliGemma starts from SigLIP.
 *
 * References: Zhai et al. 2023 (SigLIP, Algorithm 1, t/b init); Radford et al. 2021 (CLIP);
 * Beyer et al. 2024 (PaliGemma: stage 0 is an off-the-shelf SigLIP).
 * Leaves out: a MAP pooling head, large batch tricks (chunked loss), text-side augmentation.
 */
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { PALIGEMMA_VISION_PREFIX, siglipVisionConfig, siglipWeightSpecs } from "@paligemma-ts/siglip";
import { ArgumentError, Checkpoint, type Ops, type Rng, type SessionOptions, Tensor, TensorParams, type TrainStepSpec, randNormal, runOps, seededRng, writeSafetensors } from "@paligemma-ts/tensor";
import { normalizeToChw, type PromptTokenizer } from "@paligemma-ts/processor";
import { type TinySizes, TINY_SIZES } from "../model/tiny_paligemma.ts";
import { type StepRunner, createStep, trainLoop } from "../trainer/loop.ts";
import { type LogRow, writeAtomic, writeLossCurve } from "../trainer/loss_curve.ts";
import { COLOR_NAMES } from "../world/palette.ts";
import { cachedTokenizer } from "../world/batch.ts";
import { renderScene } from "../world/render.ts";
import { SHAPE_NAMES } from "../world/shapes.ts";
import { splitScene } from "../world/splits.ts";
import { captionTask } from "../world/tasks.ts";
import type { ShapeScene } from "../world/shape_scene.ts";
import { type WorldConfig, worldConfig } from "../world/world_config.ts";
import { loadWorldTokenizer } from "../world/world_tokenizer.ts";
import { clipLossOps, siglipLossOps, similarity } from "./contrastive_losses.ts";
import { type DualEncoderConfig, HEAD_NAMES, dualEncoderExtraSpecs, imageEmbeddings, textEmbeddings } from "./dual_encoder.ts";

export interface Stage0Settings {
  loss: "siglip" | "clip";
  steps: number;
  batch: number;
  seed: number;
  lr: number;
  warmup: number;
  weightDecay: number;
  /** Caption slots (right-padded); the world's longest caption is 11 words. */
  textLength: number;
  textLayers: number;
  embed: number;
  evalEvery: number;
  /** Single-object test scenes for zero-shot accuracy. */
  evalScenes: number;
  sizes: TinySizes;
  kernels: "onnx" | "reference";
}

export const STAGE0_DEFAULTS: Readonly<Stage0Settings> = Object.freeze({
  loss: "siglip", steps: 1000, batch: 64, seed: 0, lr: 1e-3, warmup: 100, weightDecay: 0.01, textLength: 12, textLayers: 2, embed: 64,
  evalEvery: 250, evalScenes: 200, sizes: TINY_SIZES, kernels: "onnx",
});

/** The dual encoder's shape for these settings. */
export function dualEncoderConfig(s: Stage0Settings, vocab: number): DualEncoderConfig {
  const z = s.sizes;
  const vision = siglipVisionConfig({ hidden_size: z.width, intermediate_size: z.visionMlp, num_hidden_layers: z.visionLayers, num_attention_heads: z.visionHeads, image_size: z.imageSize, patch_size: z.patchSize });
  return { vision, vocab, textLength: s.textLength, textLayers: s.textLayers, embed: s.embed };
}

/** Every trained tensor's name and shape: the vision tower under PaliGemma's names, then the text tower and heads. */
function specs(c: DualEncoderConfig): { name: string; shape: number[] }[] {
  return [...siglipWeightSpecs(c.vision, PALIGEMMA_VISION_PREFIX).map((p) => ({ name: p.name, shape: [...p.shape] })), ...dualEncoderExtraSpecs(c)];
}

/** Initial weights: N(0, 0.02) matrices, LayerNorm 1 / 0, t and b as the paper for each loss. */
function initial(c: DualEncoderConfig, loss: Stage0Settings["loss"], rng: Rng): Map<string, Float32Array> {
  const w = new Map<string, Float32Array>();
  for (const { name, shape } of specs(c)) {
    let t: Tensor;
    if (name === HEAD_NAMES.logScale) t = Tensor.from([Math.log(loss === "siglip" ? 10 : 1 / 0.07)]);
    else if (name === HEAD_NAMES.bias) t = Tensor.from([loss === "siglip" ? -10 : 0]);
    else if (name.endsWith(".bias")) t = Tensor.zeros(shape);
    else if (/layer_norm\d?\.weight$|post_layernorm\.weight$/.test(name)) t = Tensor.full(shape, 1);
    else t = randNormal(shape, rng, 0.02);
    w.set(name, t.toFloat32());
  }
  return w;
}

/** Caption ids right-padded to `length` ([B, L] int64); a caption longer than `length` is an error. */
function captionIds(tokenizer: PromptTokenizer, captions: readonly string[], length: number): Tensor {
  const ids = new BigInt64Array(captions.length * length).fill(BigInt(tokenizer.padId));
  captions.forEach((c, b) => {
    const t = tokenizer.encode(c);
    if (t.length > length) throw new ArgumentError(`stage 0: caption "${c}" has ${t.length} tokens, textLength is ${length}`);
    t.forEach((id, i) => (ids[b * length + i] = BigInt(id)));
  });
  return new Tensor("int64", [captions.length, length], ids);
}

const eye = (n: number) => Tensor.from(Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), [n, n]);

/** Batch s: B training shape scenes with distinct captions, from the seed's stream. */
function batch(s: number, st: Stage0Settings, world: WorldConfig, tokenizer: PromptTokenizer): Record<string, Tensor> {
  const B = st.batch;
  const S = world.imageSize;
  const pixels = new Float32Array(B * 3 * S * S);
  const captions: string[] = [];
  const seen = new Set<string>();
  for (let i = (s - 1) * B * 4 + st.seed * 1_000_003; captions.length < B; i++) {
    const { scene } = splitScene("train", i, world, { caption: 1, detect: 0, vqa: 0, ocr: 0 });
    const caption = captionTask(scene as ShapeScene).suffix;
    if (seen.has(caption)) continue;
    seen.add(caption);
    normalizeToChw(renderScene(scene), pixels, captions.length * 3 * S * S);
    captions.push(caption);
  }
  return { pixel_values: new Tensor("float32", [B, 3, S, S], pixels), text_ids: captionIds(tokenizer, captions, st.textLength), eye: eye(B) };
}

/** The step spec of stage 0 with these settings. */
export function stage0Spec(st: Stage0Settings, c: DualEncoderConfig): TrainStepSpec {
  const B = st.batch;
  const S = c.vision.image_size;
  const loss = <T>(ops: Ops<T>, x: Record<string, T>): T => {
    const img = imageEmbeddings(ops, c, PALIGEMMA_VISION_PREFIX, x.pixel_values); // [B, E]
    const txt = textEmbeddings(ops, c, x.text_ids); // [B, E]
    const t = ops.param(HEAD_NAMES.logScale);
    return st.loss === "siglip" ? siglipLossOps(ops, img, txt, t, ops.param(HEAD_NAMES.bias), x.eye, B) : clipLossOps(ops, img, txt, t, x.eye, B);
  };
  return {
    name: `stage0_${st.loss}`,
    // the bias exists for both losses (CLIP's gets no gradient), so both checkpoints have one layout
    params: specs(c).map((p) => ({ name: p.name, shape: p.shape, decay: p.shape.length >= 2 ? st.weightDecay : 0 })),
    inputs: { pixel_values: { dtype: "float32", dims: [B, 3, S, S] }, text_ids: { dtype: "int64", dims: [B, st.textLength] }, eye: { dtype: "float32", dims: [B, B] } },
    loss,
    clip: 1,
    hyper: { beta1: 0.9, beta2: 0.98, eps: 1e-8 },
  };
}

/** The 24 class captions of single-object scenes, "a <color> <shape>". */
export const ZERO_SHOT_CLASSES: readonly string[] = COLOR_NAMES.flatMap((color) => SHAPE_NAMES.map((shape) => `a ${color} ${shape}`));

/** Zero-shot accuracy on `n` single-object test scenes, and the [n, classes] similarities. */
export async function zeroShot(weights: ReadonlyMap<string, Float32Array>, c: DualEncoderConfig, world: WorldConfig, tokenizer: PromptTokenizer, n: number): Promise<{ accuracy: number; similarity: Tensor; truth: number[] }> {
  const params = new TensorParams(new Map(specs(c).map((p) => [p.name, new Tensor("float32", p.shape, weights.get(p.name)!)])));
  const S = world.imageSize;
  const pixels = new Float32Array(n * 3 * S * S);
  const truth: number[] = [];
  for (let i = 0, k = 0; k < n; i++) {
    const { scene } = splitScene("test", i, world, { caption: 1, detect: 0, vqa: 0, ocr: 0 });
    if (scene.kind !== "shapes" || scene.objects.length !== 1) continue;
    normalizeToChw(renderScene(scene), pixels, k * 3 * S * S);
    truth.push(ZERO_SHOT_CLASSES.indexOf(captionTask(scene).suffix));
    k++;
  }
  const inputs = { pixel_values: new Tensor("float32", [n, 3, S, S], pixels), text_ids: captionIds(tokenizer, ZERO_SHOT_CLASSES, c.textLength) };
  const sim = await runOps("onnx", (ops, x) => similarity(ops, imageEmbeddings(ops, c, PALIGEMMA_VISION_PREFIX, x.pixel_values), textEmbeddings(ops, c, x.text_ids), ops.constant(0)), inputs, params); // [n, 24] cosines
  const v = sim.toFloat32();
  let right = 0;
  truth.forEach((t, r) => {
    let best = 0;
    for (let j = 1; j < ZERO_SHOT_CLASSES.length; j++) if (v[r * ZERO_SHOT_CLASSES.length + j] > v[r * ZERO_SHOT_CLASSES.length + best]) best = j;
    if (best === t) right++;
  });
  return { accuracy: right / n, similarity: sim, truth };
}

/** Train stage 0 into `out` (model.safetensors + config.json + log); returns the log. */
export async function trainStage0(out: string, settings: Partial<Stage0Settings> = {}, hooks: { log?: (s: string) => void; onStep?: (r: LogRow) => void; onEval?: (s: number, acc: number) => void; session?: SessionOptions } = {}): Promise<LogRow[]> {
  const st: Stage0Settings = { ...STAGE0_DEFAULTS, ...settings };
  const tokenizer = cachedTokenizer(await loadWorldTokenizer());
  const world = worldConfig({ imageSize: st.sizes.imageSize, patchSize: st.sizes.patchSize });
  const vocab = st.sizes.pieces + 1;
  const c = dualEncoderConfig(st, vocab);
  const step: StepRunner = await createStep(st.kernels, stage0Spec(st, c), initial(c, st.loss, seededRng(st.seed)), undefined, hooks.session);
  hooks.log?.(`stage 0 (${st.loss}): ${specs(c).length} tensors; ${st.steps} steps of ${st.batch} distinct captions`);
  const shapes = new Map(specs(c).map((p) => [p.name, p.shape]));
  try {
    return await trainLoop({
      step,
      schedule: { lr: st.lr, warmup: st.warmup, steps: st.steps },
      data: (s) => batch(s, st, world, tokenizer),
      evalEvery: st.evalEvery,
      save: async (log) => {
        mkdirSync(out, { recursive: true });
        const tensors = Object.fromEntries([...step.params()].map(([n, w]) => [n, new Tensor("float32", shapes.get(n)!, w.slice())]));
        const tmp = join(out, `model.safetensors.${process.pid}.partial`);
        writeSafetensors(tmp, tensors, { format: "pt" });
        renameSync(tmp, join(out, "model.safetensors"));
        writeAtomic(join(out, "config.json"), `${JSON.stringify({ kind: "tiny-dual-encoder", settings: st, vocab }, null, 2)}\n`);
        writeAtomic(join(out, "trainer_state.json"), `${JSON.stringify({ step: step.step, log }, null, 1)}\n`);
        await writeLossCurve(log, join(out, "loss.csv"), join(out, "loss.png"));
      },
      evaluate: async () => ({ zeroShot: (await zeroShot(step.params(), c, world, tokenizer, st.evalScenes)).accuracy }),
      onStep: hooks.onStep,
      onEval: (s, m) => hooks.onEval?.(s, m.zeroShot),
    });
  } finally {
    await step.dispose();
  }
}

/** Read a stage-0 folder back: its settings and weights (for zero-shot tables and lessons). */
export function loadStage0(dir: string): { settings: Stage0Settings; config: DualEncoderConfig; weights: Map<string, Float32Array> } {
  const file = join(dir, "config.json");
  if (!existsSync(file)) throw new ArgumentError(`loadStage0: ${dir} has no config.json (not a stage-0 folder)`);
  const { settings, vocab } = JSON.parse(readFileSync(file, "utf8"));
  const ckpt = Checkpoint.open(join(dir, "model.safetensors"));
  try {
    return { settings, config: dualEncoderConfig(settings, vocab), weights: new Map(ckpt.names().map((n) => [n, ckpt.read(n).toFloat32()])) };
  } finally {
    ckpt.close();
  }
}
