/**
 * loop.ts — the training loop every stage shares: steps over a deterministic data stream, a
 * learning-rate schedule, one fused (or reference) step each, periodic evaluation and checkpoints,
 * and resuming.
 *
 * Teaches: a training run is a loop of identical steps plus bookkeeping:
 *   for step s = state.step + 1 .. S:
 *     feeds = data(s)                       deterministic in s: a resumed run sees the batches it would have seen
 *     lr    = schedule(s)                   warmup + cosine (schedule.ts)
 *     loss  = step.run(feeds, lr)           forward, backward, clip, AdamW (tensor's TrainStep, one session;
 *                                           or ReferenceTrainStep, plain TS)
 *     every `evalEvery` steps and at the end: save(step, log) then evaluate(step) -> metrics in the log
 * A non-finite loss stops the run with an error naming the step and the lr (it never trains on).
 * What a stage saves and how it evaluates is the caller's (trainer.ts for PaliGemma, stage0.ts for
 * the contrastive dual encoder).
 *
 * References: nanoGPT train.py (the loop, resume), llm.c train_gpt2.c, DESIGN.md section 9.
 * Leaves out: gradient accumulation, data-parallel workers, early stopping.
 */
import { ArgumentError, NonFiniteError, type OptimizerState, ReferenceTrainStep, type SessionOptions, type Tensor, TrainStep, type TrainStepSpec } from "@paligemma-ts/tensor";
import type { LogRow } from "./loss_curve.ts";
import { type Schedule, checkSchedule, learningRate } from "./schedule.ts";

/** What both step implementations offer. */
export interface StepRunner {
  step: number;
  run(batch: Record<string, Tensor>, lr: number): Promise<{ loss: number; gradNorm: number }>;
  params(): Map<string, Float32Array>;
  state(): OptimizerState;
  dispose(): Promise<void>;
}

/** The fused ONNX step or the plain-TS reference step for `spec`, from `init` (and a resumed state). */
export async function createStep(kernels: "onnx" | "reference", spec: TrainStepSpec, init: ReadonlyMap<string, Float32Array>, state?: OptimizerState, session: SessionOptions = {}): Promise<StepRunner> {
  if (kernels === "reference") return new ReferenceTrainStep(spec, init, state);
  if (kernels !== "onnx") throw new ArgumentError(`train: kernels must be "onnx" or "reference", got ${JSON.stringify(kernels)}`);
  return TrainStep.create(spec, init, state, session);
}

export interface LoopOptions {
  step: StepRunner;
  schedule: Schedule;
  /** The batch of step s (1-based). */
  data: (s: number) => Record<string, Tensor>;
  /** Evaluate and checkpoint every this many steps (0 = only at the end). */
  evalEvery: number;
  /** Called before each evaluation and at the end: write the checkpoint (weights, state, log). */
  save: (log: readonly LogRow[]) => void | Promise<void>;
  /** Metrics at step s (e.g. validation accuracy per task); they go into that step's log row. */
  evaluate?: (s: number) => Promise<Record<string, number>>;
  onStep?: (row: LogRow) => void;
  onEval?: (s: number, metrics: Record<string, number>) => void;
}

/** Run steps until `schedule.steps` (see the header); appends to and returns `log`. */
export async function trainLoop(o: LoopOptions, log: LogRow[] = []): Promise<LogRow[]> {
  checkSchedule(o.schedule);
  while (o.step.step < o.schedule.steps) {
    const s = o.step.step + 1;
    const feeds = o.data(s);
    const lr = learningRate(o.schedule, s);
    const t0 = performance.now();
    const { loss, gradNorm } = await o.step.run(feeds, lr);
    if (!Number.isFinite(loss)) throw new NonFiniteError(`train step ${s}`, `train: the loss became ${loss} at step ${s} (lr ${lr}); lower --lr or raise --warmup`);
    const row: LogRow = { step: s, loss, lr, gradNorm, stepMs: performance.now() - t0 };
    log.push(row);
    o.onStep?.(row);
    if (s === o.schedule.steps || (o.evalEvery > 0 && s % o.evalEvery === 0)) {
      await o.save(log);
      if (o.evaluate) {
        row.val = await o.evaluate(s);
        await o.save(log);
        o.onEval?.(s, row.val);
      }
    }
  }
  return log;
}
