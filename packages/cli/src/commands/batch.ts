/**
 * commands/batch.ts — `paligemma batch`: one prompt over a folder, glob or list of images, B at a
 * time through the batched generate, into a JSON Lines file (serve's runBatch: resumable, a kill
 * loses at most the batch in flight, unreadable images become error lines). Segmentations get masks
 * from the VQ-VAE decoder, found as `generate` finds it (--vae, $PALIGEMMA_VAE, the cache) and
 * loaded once in the model's worker; a "segment" prompt without it gets one stderr line.
 *
 * Teaches: the progress a long job owes a person at a terminal: done / total, images per second
 * and the time left, on stderr, redrawn in place (a TTY only); one summary line at the end always.
 *
 * Leaves out: several prompts per run (run it once per prompt, into separate files).
 */
import { CliUsageError } from "../errors.ts";
import type { ModelOptions } from "../load_model.ts";
import type { CliIO } from "../main.ts";
import type { GenerateOptions } from "./generate.ts";
import { createLoadProgress } from "../progress_bar.ts";
import { findMaskDecoder } from "./objects.ts";

/** generate's sampling options (the same option objects, see serve_commands.ts) and batch's own. */
export interface BatchCommandOptions extends ModelOptions, Pick<GenerateOptions, "maxNewTokens" | "temperature" | "topP" | "topK" | "seed" | "ignoreEos"> {
  images: string;
  prompt: string;
  out: string;
  batchSize: number;
  resume?: boolean;
  /** The VQ-VAE mask decoder file (default: defaultMaskDecoderPath()). */
  vae?: string;
}

const eta = (s: number) => (!Number.isFinite(s) ? "?" : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`);

export async function runBatchCommand(opts: BatchCommandOptions, io: CliIO): Promise<void> {
  const serve = await import("@paligemma-ts/serve");
  const { PaliGemmaError } = await import("@paligemma-ts/tensor");
  const usage = (e: unknown) => (e instanceof PaliGemmaError && e.code === "E_REQUEST" ? new CliUsageError(e.message) : e);
  let images: string[];
  try {
    images = serve.listImages(opts.images);
  } catch (e) {
    throw usage(e);
  }
  const maskDecoder = (await findMaskDecoder(opts.vae, io, /^\s*segment\b/i.test(opts.prompt))) ?? undefined; // the note only where masks are asked for
  const tty = io.stderr.isTTY === true && io.stderr === process.stderr;
  const loading = createLoadProgress(tty);
  let runner;
  try {
    runner = await serve.ModelRunner.start({ model: opts.model, revision: opts.revision, backend: opts.backend, device: opts.device, dtype: opts.dtype, maskDecoder, maxBatch: opts.batchSize, maxQueue: 2 * opts.batchSize, onProgress: (p) => loading.update(p.loaded, p.total, p.name) });
  } finally {
    loading.stop();
  }
  const decoder = new serve.ImageDecoder();
  const bar = createLoadProgress(tty, process.stderr, "Images");
  const t0 = performance.now();
  try {
    const options = { maxNewTokens: opts.maxNewTokens, temperature: opts.temperature, topP: opts.topP, topK: opts.topK, seed: opts.seed, ignoreEos: opts.ignoreEos };
    const done = await serve
      .runBatch({ runner, decoder, images, prompt: opts.prompt, out: opts.out, batchSize: opts.batchSize, resume: opts.resume, options, onProgress: (p) => bar.update(p.done, Math.max(p.total, 1), `${p.done}/${p.total} | ${p.imagesPerSecond.toFixed(2)} images/s | ETA ${eta(p.etaSeconds)}${p.errors ? ` | ${p.errors} errors` : ""}`) })
      .catch((e) => {
        throw usage(e);
      });
    bar.stop();
    const seconds = (performance.now() - t0) / 1000;
    io.stderr.write(`paligemma: ${done.done} images in ${seconds.toFixed(1)} s (${done.imagesPerSecond.toFixed(2)} images/s, batch ${opts.batchSize})${done.skipped ? `, ${done.skipped} already in ${opts.out}` : ""}${done.errors ? `, ${done.errors} errors (see their lines)` : ""} -> ${opts.out}\n`);
  } finally {
    bar.stop();
    await decoder.close();
    await runner.close();
  }
}
