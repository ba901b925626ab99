/**
 * load_model.ts — open a checkpoint folder for a CLI command, check the request against it, then
 * load it with a progress bar and time the load.
 *
 * Teaches: loading is the slow, failure-prone part of a run (a 3B checkpoint is ~12 GB of
 * safetensors, converted and handed to onnxruntime), so a command does it in two stages:
 *   open   config.json, tokenizer.model and the checkpoint headers, all checked (PaliGemma.open, ms):
 *          a missing folder, a broken conversion or a prompt past the model's positions is reported
 *          here, before any weight is read, through the library's own checks
 *   load   the weights and sessions, with a progress bar for a person at a terminal (never with
 *          --json): on a first quantized start it shows the conversion's MB done and MB/s, then
 *          each block's session; the load time is reported separately from inference time (`timings.loadMs`)
 * (It also keeps onnxruntime sessions out of a too-long-prompt error path: onnxruntime-node 1.30
 * crashes when creating a session in a process whose command line is ~30 KB or more.)
 *
 * Leaves out: caching a loaded model between runs (each command is one process).
 */
import type { LoadProgress, OpenedPaliGemma, PaliGemma } from "@paligemma-ts/paligemma";
import { ArgumentError } from "@paligemma-ts/tensor";
import { CliUsageError } from "./errors.ts";
import { createLoadProgress } from "./progress_bar.ts";
import type { CliIO } from "./main.ts";

export interface ModelOptions {
  /** A checkpoint folder, or a Hugging Face id found in the local Hub cache (at `revision`). */
  model: string;
  revision?: string;
  device?: "cpu" | "cuda";
  backend?: "onnx" | "reference";
  /** ONNX weight type (quantizing on the first start: the bar then shows every session as it is converted). */
  dtype?: "f32" | "int8" | "int8-lowmem" | "int4";
  json?: boolean;
}

export interface LoadedModel {
  model: PaliGemma;
  loadMs: number;
}

/** The request a command will make: a prompt (and a suffix to score), and how many tokens to generate. */
export interface PromptSpec {
  prompt: string;
  suffix?: string;
  newTokens: number;
  /** Images the prompt is about (default 1): N <image> tokens each. */
  numImages?: number;
}

/** Open `--model` and check that the prompt fits its positions (CliUsageError when it does not). */
export async function openModel(opts: ModelOptions, spec: PromptSpec): Promise<OpenedPaliGemma> {
  const { PaliGemma } = await import("@paligemma-ts/paligemma");
  const opened = await PaliGemma.open(opts.model, { revision: opts.revision });
  for (const w of opened.tokenizerReport.warnings) process.stderr.write(`paligemma: note: ${w}\n`);
  try {
    const what = spec.suffix === undefined ? "prompt" : "prefix + suffix";
    opened.checkPositions([opened.promptIds(spec.prompt, spec.suffix, spec.numImages ?? 1).ids], spec.newTokens, what);
    return opened;
  } catch (e) {
    opened.close();
    throw e instanceof ArgumentError ? new CliUsageError(`${e.message} (${opts.model}/config.json${spec.newTokens > 0 ? `; --max-new-tokens ${spec.newTokens}` : ""})`) : e;
  }
}

/** What the bar says: the block being compiled, or, while the weight cache is made, MB done and MB/s. */
export function progressLabel(p: LoadProgress): string {
  if (p.stage !== "convert") return p.name ?? p.stage;
  const mb = (b: number) => (b / 1e6).toFixed(b < 1e8 ? 1 : 0);
  return `converting weights ${mb(p.loaded)}/${mb(p.total)} MB at ${mb(p.bytesPerSecond ?? 0)} MB/s${p.name ? ` | ${p.name}` : ""}`;
}

export async function loadModel(opened: OpenedPaliGemma, opts: ModelOptions, io: CliIO): Promise<LoadedModel> {
  const showBar = !opts.json && io.stderr.isTTY === true && io.stderr === process.stderr;
  const progress = createLoadProgress(showBar);
  const t0 = performance.now();
  try {
    const { PaliGemma } = await import("@paligemma-ts/paligemma");
    // While weights are converted, sessions are already created: the bar follows the conversion until it is done.
    let converting: LoadProgress | null = null;
    const onProgress = (p: LoadProgress) => {
      if (p.stage === "convert") converting = p.loaded < p.total ? p : null;
      const shown = converting ?? p;
      progress.update(shown.loaded, shown.total, progressLabel(shown) + (converting && p.stage === "compile" ? ` | ${p.loaded}/${p.total} sessions` : ""));
    };
    const model = await PaliGemma.load(opened, { backend: opts.backend, device: opts.device, dtype: opts.dtype, onProgress });
    return { model, loadMs: performance.now() - t0 };
  } finally {
    progress.stop();
  }
}
