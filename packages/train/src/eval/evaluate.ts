/**
 * evaluate.ts — how often a model is right on freshly generated test scenes, per task.
 *
 * Teaches: evaluation is inference on data the model never trained on, scored by a fixed rule:
 *   for each task, N examples of the TEST split (or the validation split, during training; both
 *   disjoint from training by construction, splits.ts), starting at index `start` (a new start
 *   gives new scenes);
 *   answer = greedy generate(image, prefix), up to `maxNewTokens`, stopping at <eos>;
 *   score  = exact match (caption, VQA, OCR) or box recall at IoU >= 0.5 (detect) (metrics.ts).
 * Generation runs in batches through the normal `PaliGemma.generate` (left padding, prefix-LM mask,
 * KV cache), so what is measured is exactly what a user of the checkpoint gets.
 *
 * References: metrics.ts; PaliGemma's transfer evaluations (exact match / IoU thresholds).
 * Leaves out: sampling-based decoding, confidence intervals (the counts are printed instead).
 */
import type { PaliGemma } from "@paligemma-ts/paligemma";
import type { Example } from "../world/sampler.ts";
import { splitExamples } from "../world/splits.ts";
import { TASK_NAMES, type TaskName } from "../world/tasks.ts";
import { TaskAccuracy, type TaskResult } from "../world/metrics.ts";
import type { WorldConfig } from "../world/world_config.ts";

export interface EvalOptions {
  /** Examples per task (default 100). */
  perTask?: number;
  /** First index in the split (default 0). */
  start?: number;
  /** "test" (default; final numbers) or "validation" (during training). */
  split?: "test" | "validation";
  /** Tasks to run (default all). */
  tasks?: readonly TaskName[];
  /** Rows per generate call (default 32). */
  batch?: number;
  /** Default 32 (the longest world answer is ~21 tokens + <eos>). */
  maxNewTokens?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface EvalRecord {
  task: TaskName;
  prefix: string;
  target: string;
  prediction: string;
  correct: number;
  total: number;
}

export interface EvalResult {
  results: Partial<Record<TaskName, TaskResult>>;
  records: EvalRecord[];
  summary: string;
}

/** The examples evaluation uses for `task`: the same split and start always give the same ones. */
export function evalExamples(task: TaskName, world: WorldConfig, perTask: number, start = 0, split: "test" | "validation" = "test"): Example[] {
  const weights = Object.fromEntries(TASK_NAMES.map((t) => [t, t === task ? 1 : 0])) as Record<TaskName, number>;
  return splitExamples(split, start, perTask, world, weights);
}

export async function evaluate(model: PaliGemma, world: WorldConfig, options: EvalOptions = {}): Promise<EvalResult> {
  const { perTask = 100, start = 0, batch = 32, maxNewTokens = 32 } = options;
  const tasks = options.tasks ?? TASK_NAMES;
  const examples = tasks.flatMap((t) => evalExamples(t, world, perTask, start, options.split));
  const tally = new TaskAccuracy();
  const records: EvalRecord[] = [];
  for (let i = 0; i < examples.length; i += batch) {
    const rows = examples.slice(i, i + batch);
    const out = await model.generate({ images: rows.map((e) => e.image), prompts: rows.map((e) => e.prefix), maxNewTokens });
    rows.forEach((e, r) => {
      const before = tally.results()[e.task] ?? { correct: 0, total: 0 };
      tally.addExample(e, out.texts[r]);
      const after = tally.results()[e.task]!;
      records.push({ task: e.task, prefix: e.prefix, target: e.suffix, prediction: out.texts[r], correct: after.correct - before.correct, total: after.total - before.total });
    });
    options.onProgress?.(Math.min(i + batch, examples.length), examples.length);
  }
  return { results: tally.results(), records, summary: tally.toString() };
}
