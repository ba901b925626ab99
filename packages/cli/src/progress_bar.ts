/**
 * progress_bar.ts — a model-loading progress bar on stderr, shown only to a person at a terminal.
 *
 * Teaches: stdout carries the answer (text, or one JSON object that a program parses), so progress
 * goes to stderr, and only when stderr is a TTY: a bar redrawn with "\r" turns into garbage in a
 * log file or a pipe. With --json the bar is off too, so the output is quiet and machine-readable.
 *
 *   Loading model |████████░░░░░░░░| 52% | 88/168 MiB | text.layers.9
 *
 * Leaves out: a generation progress bar (tokens are streamed with --stream instead).
 */
import cliProgress from "cli-progress";

export interface LoadProgress {
  /** Report `done` of `total` units; `label` says what is loading now (a tensor, a stage). */
  update(done: number, total: number, label?: string): void;
  /** Remove the bar (idempotent). */
  stop(): void;
}

const NOOP: LoadProgress = { update() {}, stop() {} };

/** A bar on `stream` when it is a TTY and `enabled`; otherwise a no-op. `title` leads the line (batch: "Images"). */
export function createLoadProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr, title = "Loading model"): LoadProgress {
  if (!enabled || !stream.isTTY) return NOOP;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${title} |{bar}| {percentage}% | {label}`,
      barCompleteChar: "\u2588",
      barIncompleteChar: "\u2591",
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let stopped = false;
  return {
    update(done, total, label = "") {
      if (stopped || !(total > 0)) return;
      if (!started) {
        bar.start(total, 0, { label });
        started = true;
      }
      bar.setTotal(total);
      bar.update(Math.min(done, total), { label });
    },
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
