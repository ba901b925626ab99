/**
 * metrics.ts — is an answer right? Exact match for text, box recall for detection, and a per-task tally.
 *
 * Teaches: the targets the world is built for, scored the simple way:
 *
 *   caption / vqa / ocr   correct  <=>  prediction.trim() === target.trim()       (1 per example)
 *   detect                parse the prediction with processor's parseDetections (pixels of the
 *                         S x S image), then match true objects to predicted boxes one to one:
 *                         over all (true, predicted) pairs with the same label, take pairs in
 *                         descending IoU while both are unmatched and IoU >= 0.5.
 *                         found = matched true objects; score = found / total true objects
 *
 *   IoU(a, b) = area(a ∩ b) / (area(a) + area(b) - area(a ∩ b)),  area = (xmax - xmin) (ymax - ymin)
 *
 * Extra predicted boxes are not penalized (recall, as the target is stated: "IoU >= 0.5 for >= 90%
 * of objects"); a prediction whose label differs from the query's never matches.
 *
 * References: PASCAL VOC / COCO box matching (greedy by overlap); processor's detection.ts.
 *
 * Leaves out: precision, mAP, per-class breakdowns.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { type Box, type Detection, type ImageSize, parseDetections } from "@paligemma-ts/processor";
import type { Example } from "./sampler.ts";
import { TASK_NAMES, type TaskName } from "./tasks.ts";

export function exactMatch(prediction: string, target: string): boolean {
  return prediction.trim() === target.trim();
}

export function boxIou(a: Box, b: Box): number {
  const w = Math.min(a.xmax, b.xmax) - Math.max(a.xmin, b.xmin);
  const h = Math.min(a.ymax, b.ymax) - Math.max(a.ymin, b.ymin);
  const inter = w > 0 && h > 0 ? w * h : 0;
  const area = (x: Box) => Math.max(0, x.xmax - x.xmin) * Math.max(0, x.ymax - x.ymin);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

export interface DetectionScore {
  /** True objects matched by a predicted box (same label, IoU >= threshold). */
  found: number;
  total: number;
}

/** Match the boxes in a predicted answer against the true objects (one to one, greedy by IoU). */
export function detectionRecall(prediction: string, truth: readonly Detection[], size: ImageSize, iouThreshold = 0.5): DetectionScore {
  const predicted = parseDetections(prediction, size);
  const pairs: { t: number; p: number; iou: number }[] = [];
  truth.forEach((td, t) =>
    predicted.forEach((pd, p) => {
      if (pd.label !== td.label) return;
      const iou = boxIou(td.box, pd.box);
      if (iou >= iouThreshold) pairs.push({ t, p, iou });
    }),
  );
  pairs.sort((a, b) => b.iou - a.iou);
  const usedT = new Set<number>();
  const usedP = new Set<number>();
  for (const { t, p } of pairs) {
    if (usedT.has(t) || usedP.has(p)) continue;
    usedT.add(t);
    usedP.add(p);
  }
  return { found: usedT.size, total: truth.length };
}

/** One example's score: { correct, total } — 1/1 or 0/1 for text tasks, found/objects for detect. */
export function scoreExample(example: Pick<Example, "task" | "suffix" | "detections" | "scene">, prediction: string): { correct: number; total: number } {
  if (example.task !== "detect") return { correct: exactMatch(prediction, example.suffix) ? 1 : 0, total: 1 };
  if (!example.detections) throw new ArgumentError("scoreExample: a detect example needs its true detections (example.detections)");
  const size = { width: example.scene.imageSize, height: example.scene.imageSize };
  const { found, total } = detectionRecall(prediction, example.detections, size);
  return { correct: found, total };
}

export interface TaskResult {
  correct: number;
  total: number;
  /** correct / total (NaN when nothing was scored). */
  accuracy: number;
}

/** Per-task tally of correct / total. */
export class TaskAccuracy {
  private readonly tally = new Map<TaskName, { correct: number; total: number }>();

  add(task: TaskName, correct: number, total = 1): void {
    if (!TASK_NAMES.includes(task)) throw new ArgumentError(`TaskAccuracy.add: task must be one of ${TASK_NAMES.join(", ")}, got ${JSON.stringify(task)}`);
    if (!(Number.isInteger(correct) && Number.isInteger(total) && correct >= 0 && correct <= total)) {
      throw new ArgumentError(`TaskAccuracy.add: need integers 0 <= correct <= total, got correct ${correct}, total ${total}`);
    }
    const t = this.tally.get(task) ?? { correct: 0, total: 0 };
    t.correct += correct;
    t.total += total;
    this.tally.set(task, t);
  }

  /** Score `prediction` against `example` and add it. */
  addExample(example: Pick<Example, "task" | "suffix" | "detections" | "scene">, prediction: string): void {
    const { correct, total } = scoreExample(example, prediction);
    this.add(example.task, correct, total);
  }

  results(): Partial<Record<TaskName, TaskResult>> {
    const out: Partial<Record<TaskName, TaskResult>> = {};
    for (const task of TASK_NAMES) {
      const t = this.tally.get(task);
      if (t) out[task] = { ...t, accuracy: t.total > 0 ? t.correct / t.total : Number.NaN };
    }
    return out;
  }

  /** "caption 96.2% (481/500)  detect ..." */
  toString(): string {
    return Object.entries(this.results())
      .map(([task, r]) => `${task} ${(100 * r.accuracy).toFixed(1)}% (${r.correct}/${r.total})`)
      .join("  ");
  }
}
