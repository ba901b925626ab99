/**
 * load_model.ts — open a checkpoint folder for a CLI command: check the path, show a progress bar,
 * time the load.
 *
 * Teaches: loading is the slow, failure-prone part of a run (a 3B checkpoint is ~12 GB of
 * safetensors, converted and handed to onnxruntime), so the command checks `--model` first, shows
 * progress to a person at a terminal (never with --json), and reports the load time separately
 * from inference time (`timings.loadMs`).
 *
 * Leaves out: caching a loaded model between runs (each command is one process).
 */
import type { PaliGemma } from "@paligemma-ts/paligemma";
import { requireModelDir } from "./input_paths.ts";
import { createLoadProgress } from "./progress_bar.ts";
import type { CliIO } from "./main.ts";

export interface ModelOptions {
  model: string;
  device?: "cpu" | "cuda";
  backend?: "onnx" | "reference";
  /**
   * ONNX weight type (quantizing on the first start: the bar then shows every session as it is
   * converted). "int8-lowmem" = int8 with each MLP down_proj MatMulNBits int4 (peak RSS under 3 GB
   * at 3B, at a quality cost: packages/paligemma/bench/README.md).
   */
  dtype?: "f32" | "int8" | "int8-lowmem" | "int4";
  json?: boolean;
}

export interface LoadedModel {
  model: PaliGemma;
  loadMs: number;
}

export async function loadModel(opts: ModelOptions, io: CliIO): Promise<LoadedModel> {
  requireModelDir(opts.model);
  const showBar = !opts.json && io.stderr.isTTY === true && io.stderr === process.stderr;
  const progress = createLoadProgress(showBar);
  const t0 = performance.now();
  try {
    const { PaliGemma } = await import("@paligemma-ts/paligemma");
    const model = await PaliGemma.load(opts.model, {
      backend: opts.backend,
      device: opts.device,
      dtype: opts.dtype === "int8-lowmem" ? "int8" : opts.dtype,
      int4Linears: opts.dtype === "int8-lowmem" ? ["mlp.down_proj"] : undefined,
      onProgress: (p) => progress.update(p.loaded, p.total, p.name ?? p.stage),
    });
    return { model, loadMs: performance.now() - t0 };
  } finally {
    progress.stop();
  }
}
