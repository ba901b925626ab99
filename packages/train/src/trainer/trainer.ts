/**
 * trainer.ts — train a tiny PaliGemma from scratch on the synthetic world (stage 1 of PaliGemma's
 * recipe, tiny): the loss, the data stream, validation, checkpoints, resuming; the loop is loop.ts.
 *
 * Teaches: what is specific to training PaliGemma:
 *   batch_s = B training examples, indices (s - 1) B .. s B - 1 of the seed's stream (splits.ts)
 *   loss    = paligemma_loss.ts: the inference blocks chained, cross-entropy on the suffix
 *   every `evalEvery` steps: write the checkpoint, load it with PaliGemma.load (exactly what a user
 *   gets), and measure per-task accuracy on VALIDATION scenes (the test split is kept for the end)
 *   `init`: start from another checkpoint's tensors of the same names, e.g. stage 0's vision tower
 *   `stage0Steps` > 0 (and no `init`): first pretrain the vision tower contrastively (stage 0,
 *   contrastive/stage0.ts, SigLIP loss) into the sibling folder `${out}-stage0` (a checkpoint save
 *   replaces the whole `out` folder), then start from its tower, as the real PaliGemma starts from a
 *   pretrained SigLIP; a finished stage-0 folder is reused, an unfinished one redone
 * The checkpoint folder is a Hugging Face one (config.json, model.safetensors, tokenizer.model)
 * plus trainer_state.json (step, settings, the log) and optimizer.safetensors (AdamW moments), all
 * written atomically (checkpoint_io.ts); `resume` continues from it bit for bit.
 *
 * References: nanoGPT train.py (the loop, resume), llm.c train_gpt2.c, DESIGN.md section 9.
 * Leaves out: gradient accumulation, data-parallel workers, early stopping.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CLASSIC_LAYOUT, PaliGemma, paliGemmaWeightSpecs } from "@paligemma-ts/paligemma";
import { ArgumentError, Checkpoint, type OptimizerState, type SessionOptions, Tensor, TensorParams, type TrainStepSpec, numel, seededRng } from "@paligemma-ts/tensor";
import { saveCheckpoint } from "../model/checkpoint_io.ts";
import { paligemmaLoss } from "../model/paligemma_loss.ts";
import { type TinySizes, TINY_SIZES, decays, initialWeights, tinyConfig, tinyConfigJson } from "../model/tiny_paligemma.ts";
import { type StepShape, lossInputs } from "../model/training_inputs.ts";
import { evaluate } from "../eval/evaluate.ts";
import { cachedTokenizer, makeBatch } from "../world/batch.ts";
import { DEFAULT_TASK_WEIGHTS, type TaskWeights } from "../world/sampler.ts";
import { splitExamples } from "../world/splits.ts";
import { type WorldConfig, worldConfig } from "../world/world_config.ts";
import { loadWorldTokenizer, worldPieceId, worldTokenizerModel } from "../world/world_tokenizer.ts";
import { sinusoidalLocRows } from "../model/loc_embeddings.ts";
import { ZERO_SHOT_CLASSES, trainStage0 } from "../contrastive/stage0.ts";
import { type StepRunner, createStep, trainLoop } from "./loop.ts";
import { type LogRow, writeLossCurve } from "./loss_curve.ts";
import type { Schedule } from "./schedule.ts";

export interface TrainSettings {
  steps: number;
  batch: number;
  seed: number;
  lr: number;
  warmup: number;
  /** Final lr as a fraction of the peak. */
  floor: number;
  clip: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** Validate + checkpoint every this many steps (0 = only at the end). */
  evalEvery: number;
  /** Validation examples per task. */
  evalPerTask: number;
  /** Slots per row, and target slots per step, of the fixed step frame (training_inputs.ts). */
  length: number;
  targets: number;
  sizes: TinySizes;
  world: Partial<WorldConfig>;
  tasks: TaskWeights;
  /** "onnx" (the fused step) or "reference" (plain TS, slow: for the benchmark and tests). */
  kernels: "onnx" | "reference";
  /** Initialize these weights from another checkpoint (e.g. stage 0's vision tower); names must match. */
  init?: string;
  /** Stage-0 (contrastive) steps that pretrain the vision tower into `${out}-stage0` first; 0 = random start. Ignored with `init`. */
  stage0Steps: number;
}

export const TRAIN_DEFAULTS: Readonly<TrainSettings> = Object.freeze({
  steps: 5000, batch: 64, seed: 0, lr: 1e-3, warmup: 200, floor: 0.05, clip: 1, weightDecay: 0.01, beta1: 0.9, beta2: 0.98,
  evalEvery: 500, evalPerTask: 50, length: 96, targets: 512, sizes: TINY_SIZES, world: {}, tasks: DEFAULT_TASK_WEIGHTS, kernels: "onnx",
  stage0Steps: 600,
});

export interface TrainHooks {
  onStep?: (row: LogRow) => void;
  onEval?: (step: number, summary: string, accuracy: Record<string, number>) => void;
  log?: (line: string) => void;
}

const STATE_FILE = "trainer_state.json";
const OPTIMIZER_FILE = "optimizer.safetensors";

/** The step spec of the tiny PaliGemma's loss in the fixed frame `shape`. */
export function trainStepSpec(s: TrainSettings): TrainStepSpec {
  const c = tinyConfig(s.sizes);
  const shape: StepShape = { batch: s.batch, length: s.length, targets: s.targets };
  const { batch: B, length: L, targets: Nt } = shape;
  const N = c.num_image_tokens;
  const D = c.text_config.head_dim;
  const S = c.vision_config.image_size;
  return {
    name: "tiny_paligemma_train_step",
    params: paliGemmaWeightSpecs(c, CLASSIC_LAYOUT).map((p) => ({ name: p.name, shape: p.shape, decay: decays(p.name, p.shape) ? s.weightDecay : 0 })),
    inputs: {
      pixel_values: { dtype: "float32", dims: [B, 3, S, S] },
      text_ids: { dtype: "int64", dims: [B, L - N] },
      attention_mask: { dtype: "float32", dims: [B, 1, L, L] },
      cos: { dtype: "float32", dims: [B, L, D / 2] },
      sin: { dtype: "float32", dims: [B, L, D / 2] },
      target_rows: { dtype: "int64", dims: [Nt] },
      target_onehot: { dtype: "float32", dims: [Nt, c.text_config.vocab_size] },
    },
    loss: (ops, x) => paligemmaLoss(ops, c, CLASSIC_LAYOUT, x as never, B, L).loss,
    clip: s.clip,
    hyper: { beta1: s.beta1, beta2: s.beta2, eps: 1e-8 },
  };
}

/** Initial weights: fresh (seeded; the <loc> rows sinusoidal), then `init`'s tensors where it has them. */
function startingWeights(s: TrainSettings): Map<string, Float32Array> {
  const c = tinyConfig(s.sizes);
  const fresh = initialWeights(c, seededRng(s.seed));
  const table = "language_model.model.embed_tokens.weight";
  fresh.set(table, sinusoidalLocRows(fresh.get(table)!, worldPieceId("<loc0000>"))); // loc_embeddings.ts
  const w = new Map([...fresh.entries()].map(([k, t]) => [k, t.toFloat32()]));
  if (s.init) {
    const ckpt = Checkpoint.open(s.init);
    try {
      for (const n of ckpt.names()) {
        if (!w.has(n)) continue;
        const t = ckpt.read(n).toFloat32();
        if (t.length !== w.get(n)!.length) throw new ArgumentError(`train --init ${s.init}: ${n} has ${t.length} values, the model needs ${w.get(n)!.length}`);
        w.set(n, t);
      }
    } finally {
      ckpt.close();
    }
  }
  return w;
}

/** Stage 0 into `${out}-stage0` (or the finished one found there): the folder `init` reads the tower from. */
async function pretrainedTower(out: string, s: TrainSettings, hooks: TrainHooks): Promise<string> {
  const dir = `${out.replace(/[\\/]+$/, "")}-stage0`;
  const state = join(dir, STATE_FILE);
  if (existsSync(state) && JSON.parse(readFileSync(state, "utf8")).step === s.stage0Steps) {
    hooks.log?.(`stage 0: reusing the finished ${dir}`);
    return dir;
  }
  await trainStage0(dir, { steps: s.stage0Steps, seed: s.seed, sizes: s.sizes, kernels: s.kernels, evalEvery: 0, evalScenes: 240 }, {
    log: hooks.log,
    onEval: (k, acc) => hooks.log?.(`stage 0, step ${k}: zero-shot ${(100 * acc).toFixed(1)}% on ${240} test scenes (${ZERO_SHOT_CLASSES.length} classes)`),
  });
  return dir;
}

/** Weights as named Tensors with their shapes. */
function asTensors(s: TrainSettings, weights: Map<string, Float32Array>): Map<string, Tensor> {
  const c = tinyConfig(s.sizes);
  return new Map(paliGemmaWeightSpecs(c, CLASSIC_LAYOUT).map((p) => [p.name, new Tensor("float32", p.shape, weights.get(p.name)!.slice())]));
}

/** Write the run's folder (see the header). */
function save(out: string, s: TrainSettings, step: StepRunner, log: readonly LogRow[]): void {
  const st = step.state();
  const shapes = new Map(trainStepSpec(s).params.map((p) => [p.name, p.shape]));
  const moments = new Map<string, Tensor>();
  for (const [k, v] of st.m) moments.set(`m:${k}`, new Tensor("float32", shapes.get(k)!, v.slice()));
  for (const [k, v] of st.v) moments.set(`v:${k}`, new Tensor("float32", shapes.get(k)!, v.slice()));
  saveCheckpoint(out, {
    config: tinyConfigJson(s.sizes),
    tensors: asTensors(s, step.params()),
    tokenizerModel: worldTokenizerModel(),
    extra: { [STATE_FILE]: `${JSON.stringify({ step: st.step, settings: s, log }, null, 1)}\n`, [OPTIMIZER_FILE]: moments },
  });
}

/** Read a run's folder back: settings, weights, optimizer state, log. */
function load(out: string): { settings: TrainSettings; weights: Map<string, Float32Array>; state: OptimizerState; log: LogRow[] } {
  const st = JSON.parse(readFileSync(join(out, STATE_FILE), "utf8"));
  const model = Checkpoint.open(out);
  const opt = Checkpoint.open(join(out, OPTIMIZER_FILE));
  try {
    const weights = new Map(model.names().map((n) => [n, model.read(n).toFloat32()]));
    const m = new Map<string, Float32Array>();
    const v = new Map<string, Float32Array>();
    for (const n of opt.names()) (n.startsWith("m:") ? m : v).set(n.slice(2), opt.read(n).toFloat32());
    return { settings: st.settings, weights, state: { step: st.step, m, v }, log: st.log };
  } finally {
    model.close();
    opt.close();
  }
}

/** Train into `out` (see the header); `resume` continues a run found there. Returns the log. */
export async function train(out: string, settings: Partial<TrainSettings> = {}, options: { resume?: boolean; session?: SessionOptions } & TrainHooks = {}): Promise<LogRow[]> {
  let s: TrainSettings = { ...TRAIN_DEFAULTS, ...settings };
  let weights: Map<string, Float32Array>;
  let state: OptimizerState | undefined;
  let log: LogRow[] = [];
  if (options.resume && existsSync(join(out, STATE_FILE))) {
    const r = load(out);
    s = { ...r.settings, steps: settings.steps ?? r.settings.steps };
    ({ weights, state, log } = r);
    options.log?.(`resuming ${out} at step ${state.step} of ${s.steps}`);
  } else {
    if (s.stage0Steps > 0 && !s.init) s = { ...s, init: await pretrainedTower(out, s, options) };
    weights = startingWeights(s);
  }
  const schedule: Schedule = { lr: s.lr, warmup: s.warmup, steps: s.steps, floor: s.floor };
  const world = worldConfig(s.world);
  const c = tinyConfig(s.sizes);
  const tokenizer = cachedTokenizer(await loadWorldTokenizer());
  const frame: StepShape = { batch: s.batch, length: s.length, targets: s.targets };
  const step = await createStep(s.kernels, trainStepSpec(s), weights, state, options.session);
  options.log?.(`tiny PaliGemma: ${(parameterCount(s.sizes) / 1e6).toFixed(2)}M parameters; ${s.steps} steps of ${s.batch} examples; ${s.kernels} kernels`);
  const offset = s.seed * 1_000_003; // each seed its own stream of training examples
  try {
    return await trainLoop({
      step,
      schedule,
      data: (k) => lossInputs(makeBatch(splitExamples("train", offset + (k - 1) * s.batch, s.batch, world, s.tasks), tokenizer, world), c, frame),
      evalEvery: s.evalEvery,
      save: async (rows) => {
        save(out, s, step, rows);
        await writeLossCurve(rows, join(out, "loss.csv"), join(out, "loss.png"));
      },
      evaluate: async () => {
        const model = await PaliGemma.load(out, { backend: "onnx" });
        const r = await evaluate(model, world, { perTask: s.evalPerTask, split: "validation" });
        await model.dispose();
        return Object.fromEntries(Object.entries(r.results).map(([t, v]) => [t, v!.accuracy]));
      },
      onStep: options.onStep,
      onEval: (k, m) => options.onEval?.(k, Object.entries(m).map(([t, a]) => `${t} ${(100 * a).toFixed(1)}%`).join("  "), m),
    }, log);
  } finally {
    await step.dispose();
  }
}

/** Parameters of the tiny model with `sizes` (for reports). */
export function parameterCount(sizes: TinySizes = TINY_SIZES): number {
  return paliGemmaWeightSpecs(tinyConfig(sizes), CLASSIC_LAYOUT).reduce((a, p) => a + numel(p.shape), 0);
}

/** The weights of a trained checkpoint as in-memory params (e.g. to evaluate without a folder). */
export function checkpointParams(dir: string): TensorParams {
  const ckpt = Checkpoint.open(dir);
  try {
    return TensorParams.fromCheckpoint(ckpt);
  } finally {
    ckpt.close();
  }
}
