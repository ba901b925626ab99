/**
 * schedule.ts — the learning rate over a run: linear warmup, then cosine decay to a floor.
 *
 * Teaches: Adam's first steps use noisy second-moment estimates, so the rate ramps up; afterwards it
 * decays smoothly so the last steps settle into a minimum:
 *   step s (1-based) of S total, warmup W, peak lr, floor f * lr:
 *   s <= W:   lr * s / W
 *   s >  W:   f lr + (1 - f) lr * (1 + cos(pi * (s - W) / (S - W))) / 2
 *
 * References: Loshchilov & Hutter, "SGDR" (https://arxiv.org/abs/1608.03983); nanoGPT's get_lr.
 */
import { ArgumentError } from "@paligemma-ts/tensor";

export interface Schedule {
  lr: number;
  warmup: number;
  steps: number;
  /** Final lr as a fraction of the peak (default 0.05). */
  floor?: number;
}

export function checkSchedule(s: Schedule): void {
  for (const [k, v] of [["steps", s.steps], ["warmup", s.warmup]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ArgumentError(`schedule: ${k} must be a non-negative integer, got ${v}`);
  }
  if (s.steps < 1) throw new ArgumentError(`schedule: steps must be >= 1, got ${s.steps}`);
  if (!(s.lr > 0) || !Number.isFinite(s.lr)) throw new ArgumentError(`schedule: lr must be a finite number > 0, got ${s.lr}`);
  const f = s.floor ?? 0.05;
  if (!(f >= 0 && f <= 1)) throw new ArgumentError(`schedule: floor must be in [0, 1], got ${f}`);
}

/** The learning rate at step `step` (1-based). */
export function learningRate(s: Schedule, step: number): number {
  const f = s.floor ?? 0.05;
  if (step <= s.warmup) return (s.lr * step) / Math.max(1, s.warmup);
  const progress = Math.min(1, (step - s.warmup) / Math.max(1, s.steps - s.warmup));
  return f * s.lr + ((1 - f) * s.lr * (1 + Math.cos(Math.PI * progress))) / 2;
}
