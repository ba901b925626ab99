/**
 * batch.ts — run one prompt over many images, B at a time, into a JSON Lines file that survives
 * being killed.
 *
 * Teaches: a long job should be restartable without redoing or corrupting anything.
 *   output    one JSON object per line per image:
 *               {"path", "prompt", "text", "detections", "segmentations", "generated_ids",
 *                "finish_reason", "image": {width, height}, "timings"}        or, for an image that
 *               {"path", "prompt", "error": {"code", "message"}}              cannot be read or run
 *             detections and segmentations as /v1/generate gives them (boxes in the image's own
 *             pixels; a segmentation's mask is COCO RLE when the runner has a mask decoder, else null)
 *   batches   the next B images are decoded (in the image thread) while the model runs the current B
 *             as ONE batched generation (greedy rows padded together; each row equals running alone)
 *   durable   a batch's lines are appended with a single write(2) on an O_APPEND descriptor and
 *             fsync'ed before the next batch starts: a kill loses at most the batch in flight
 *   resume    --resume reads the file first: a torn last line (no "\n", e.g. a full disk) is cut off,
 *             every path already there, result or error, is skipped
 *   progress  images/s over this run and the ETA of the rest, through onProgress
 * Without --resume an existing, non-empty output is refused rather than overwritten.
 *
 * Reference: JSON Lines (https://jsonlines.org); POSIX write(2) with O_APPEND.
 * Leaves out: several prompts per image, sharding one list over machines.
 */
import { closeSync, fdatasyncSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { parseDetections } from "@paligemma-ts/processor";
import { RequestError, toWire } from "./errors.ts";
import type { DecodedImage, ImageDecoder } from "./image_decoder.ts";
import type { ModelRunner } from "./model_runner.ts";
import type { GenerateOptions } from "./protocol.ts";

export interface BatchProgress {
  /** Images finished in this run (results and errors), of `total` to do in this run. */
  done: number;
  total: number;
  /** Skipped because the output already had them (--resume). */
  skipped: number;
  errors: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface BatchRun {
  runner: ModelRunner;
  decoder: ImageDecoder;
  images: readonly string[];
  prompt: string;
  out: string;
  /** Images per batched generation (the runner's maxBatch must be at least this). */
  batchSize: number;
  resume?: boolean;
  options: GenerateOptions;
  onProgress?: (p: BatchProgress) => void;
}

/** The paths an output file already has; cuts a torn last line off the file first. */
export function completedPaths(out: string): Set<string> {
  const st = statSync(out, { throwIfNoEntry: false });
  if (!st || st.size === 0) return new Set();
  const text = readFileSync(out, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  if (end < text.length) {
    const fd = openSync(out, "r+");
    ftruncateSync(fd, Buffer.byteLength(text.slice(0, end)));
    closeSync(fd);
  }
  const done = new Set<string>();
  for (const line of text.slice(0, end).split("\n")) {
    if (!line.trim()) continue;
    try {
      const path = JSON.parse(line).path;
      if (typeof path === "string") done.add(path);
    } catch {
      // a line that is not JSON (edited by hand?) names no path: its image runs again
    }
  }
  return done;
}

type Decoded = { path: string; image?: DecodedImage; error?: unknown };

async function decodeAll(decoder: ImageDecoder, paths: readonly string[], size: number): Promise<Decoded[]> {
  return Promise.all(
    paths.map(async (path): Promise<Decoded> => {
      try {
        return { path, image: await decoder.decode(new Uint8Array(await readFile(path)), size, path) };
      } catch (error) {
        return { path, error };
      }
    }),
  );
}

/** Run the batch job; resolves to the final progress. */
export async function runBatch(run: BatchRun): Promise<BatchProgress> {
  const { runner, prompt, out, batchSize: B } = run;
  if (!Number.isInteger(B) || B < 1) throw new RequestError(`--batch-size must be a positive integer, got ${B}`, "--batch-size");
  const exists = (statSync(out, { throwIfNoEntry: false })?.size ?? 0) > 0;
  if (exists && !run.resume) throw new RequestError(`${out} already has results: pass --resume to continue it (or remove it to start over)`, "--out");
  runner.check(prompt, run.options); // a bad prompt fails before any image is read
  const skip = run.resume ? completedPaths(out) : new Set<string>();
  const todo = run.images.filter((p) => !skip.has(p));
  const progress: BatchProgress = { done: 0, total: todo.length, skipped: run.images.length - todo.length, errors: 0, imagesPerSecond: 0, etaSeconds: 0 };
  const fd = openSync(out, "a");
  const start = performance.now();
  const size = runner.info.imageSize;
  try {
    run.onProgress?.({ ...progress });
    let next = todo.length > 0 ? decodeAll(run.decoder, todo.slice(0, B), size) : null;
    for (let i = 0; i < todo.length; i += B) {
      const chunk = await next!;
      next = i + B < todo.length ? decodeAll(run.decoder, todo.slice(i + B, i + 2 * B), size) : null; // overlaps this batch
      const results = await Promise.all(
        chunk.map(async (d) => {
          if (d.error) return { path: d.path, prompt, error: errorOf(d.error) };
          try {
            const size2 = { width: d.image!.width, height: d.image!.height };
            const o = await runner.generate({ prompt, pixels: d.image!.pixels, imageSize: size2, ...run.options, attention: false }); // masks decode in the worker
            return { path: d.path, prompt, text: o.text, detections: parseDetections(o.text, size2), segmentations: o.segmentations ?? [], generated_ids: o.generatedIds, finish_reason: o.finishReason, image: size2, batch_size: o.batchSize, timings: o.timings };
          } catch (error) {
            return { path: d.path, prompt, error: errorOf(error) };
          }
        }),
      );
      writeSync(fd, results.map((r) => `${JSON.stringify(r)}\n`).join("")); // one write: whole lines only
      fdatasyncSync(fd);
      progress.done += results.length;
      progress.errors += results.filter((r) => "error" in r).length;
      const seconds = (performance.now() - start) / 1000;
      progress.imagesPerSecond = progress.done / seconds;
      progress.etaSeconds = (progress.total - progress.done) / progress.imagesPerSecond;
      run.onProgress?.({ ...progress });
    }
  } finally {
    closeSync(fd);
  }
  return progress;
}

function errorOf(e: unknown): { code: string; message: string } {
  const { code, message } = toWire(e);
  return { code, message };
}
