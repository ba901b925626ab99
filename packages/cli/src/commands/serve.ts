/**
 * commands/serve.ts — `paligemma serve`: load the model in a worker thread, listen, run until
 * SIGINT / SIGTERM, then close cleanly (in-flight requests are cancelled, the worker stops).
 *
 * Teaches: a server's start-up is a command-line tool's run: options checked first (the
 * --allow-files folder must exist), the load shown with a progress bar on a terminal, one line on
 * stdout saying where it listens, warnings (a non-loopback address has no authentication) on stderr.
 * The VQ-VAE mask decoder is looked for as `generate` does (`--vae FILE`, $PALIGEMMA_VAE, the cache:
 * objects.ts findMaskDecoder) and loaded once in the model's worker; without it one stderr line says
 * that segmentations will carry no masks.
 *
 * Leaves out: reloading the model without a restart.
 */
import { statSync } from "node:fs";
import { CliUsageError } from "../errors.ts";
import type { ModelOptions } from "../load_model.ts";
import type { CliIO } from "../main.ts";
import { createLoadProgress } from "../progress_bar.ts";
import { findMaskDecoder } from "./objects.ts";

export interface ServeCommandOptions extends ModelOptions {
  host: string;
  port: number;
  allowFiles?: string;
  maxQueue: number;
  maxBatch: number;
  maxTokens: number;
  bodyLimit: number;
  /** The VQ-VAE mask decoder file (default: defaultMaskDecoderPath()). */
  vae?: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/** Start the runner and server; resolves after a signal has shut them down. */
export async function runServe(opts: ServeCommandOptions, io: CliIO, stop: Promise<string> = signalled()): Promise<void> {
  if (opts.allowFiles && !statSync(opts.allowFiles, { throwIfNoEntry: false })?.isDirectory()) throw new CliUsageError(`--allow-files '${opts.allowFiles}' is not a folder`);
  const maskDecoder = (await findMaskDecoder(opts.vae, io)) ?? undefined;
  const { ModelRunner, startServer } = await import("@paligemma-ts/serve");
  const progress = createLoadProgress(io.stderr.isTTY === true && io.stderr === process.stderr);
  let runner;
  try {
    runner = await ModelRunner.start({ model: opts.model, revision: opts.revision, backend: opts.backend, device: opts.device, dtype: opts.dtype, maskDecoder, maxQueue: opts.maxQueue, maxBatch: opts.maxBatch, onProgress: (p) => progress.update(p.loaded, p.total, p.name) });
  } finally {
    progress.stop();
  }
  try {
    const { app, url } = await startServer({ runner, host: opts.host, port: opts.port, allowFiles: opts.allowFiles, bodyLimit: opts.bodyLimit, defaultMaxTokens: opts.maxTokens });
    io.stdout.write(`paligemma: serving ${opts.model} (${runner.info.backend}, ${runner.info.dtype}) at ${url}  playground: ${url}/  OpenAI base URL: ${url}/v1\n`);
    if (!LOOPBACK.test(opts.host)) io.stderr.write(`paligemma: warning: listening on ${opts.host}, reachable from other machines; the server has no authentication\n`);
    const why = await stop;
    io.stderr.write(`paligemma: ${why}, shutting down\n`);
    await app.close();
  } finally {
    await runner.close();
  }
}

function signalled(): Promise<string> {
  return new Promise((resolve) => {
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve(sig));
  });
}
