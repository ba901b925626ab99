/**
 * convert_pool.ts — a worker thread per core that makes weight-cache files from checkpoint tensors
 * and checksums byte ranges, so a first start uses every core and the JS thread stays free.
 *
 * Teaches: how to put plain typed-array work on other cores in Node.
 *   - a job is one whole cache file (quantize_kernels.ts `convertEntry`): the worker opens the shard,
 *     reads the tensor a few MB at a time in its own dtype (no float32 detour for bf16/f16), converts,
 *     checksums and writes the file itself; only "done" (and progress) comes back. Output buffers are
 *     the worker's own and recycled by size: a model repeats its layer shapes, and a worker's memory
 *     is returned at once when it exits (buffers handed to the main thread would wait for a garbage
 *     collection: ~1.2 GB of them were still resident after a 3B conversion);
 *   - jobs wait in ONE queue and an idle worker takes the next, so a large tensor (the 2.1 GB
 *     embedding table) does not hold up the others; queue them largest first;
 *   - the worker is started from source TEXT (`eval: true`): the kernels are self-contained functions,
 *     and `fn.toString()` of the transpiled module is plain JavaScript. A worker cannot import
 *     TypeScript under tsx's tsImport (the CLI) or vitest, and a prebuilt .js copy of the kernels
 *     would be a second definition to keep in sync. (Coverage tools that rewrite function bodies would
 *     break this; the project does not use them.)
 *   - a worker is ref'd only while it has a job: an idle pool never keeps the process alive, an
 *     awaited one always does.
 * crc jobs read a byte range in 16 MiB pieces and fold zlib.crc32 over it (~3 GB/s per core).
 *
 * Reference: https://nodejs.org/api/worker_threads.html ; quantize_kernels.ts (the work itself).
 * Leaves out: cancelling queued jobs (a failed job rejects its promise; the others still run).
 */
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import { OnnxRuntimeError } from "./session.ts";
import { type EntryJob, blockwiseRows, channelInt8Rows, convertEntry, convertRows, f16Table, widenInto } from "./quantize_kernels.ts";

/** zlib.crc32 of `length` bytes of `file` at `offset`. */
export interface CrcJob {
  kind: "crc";
  file: string;
  offset: number;
  length: number;
}

/** Make one cache file (quantize_kernels.ts EntryJob). */
export type MakeJob = { kind: "entry" } & EntryJob;

const KERNELS = [f16Table, widenInto, channelInt8Rows, blockwiseRows, convertRows, convertEntry];

/** The worker's program: the kernels' source, then a message loop. */
function workerSource(): string {
  return `"use strict";
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const zlib = require("node:zlib");
var __name = (f) => f; // esbuild keepNames helper, should a kernel body reference it
${KERNELS.map((f) => f.toString()).join("\n")}
const state = { raw: new Uint8Array(0), scratch: new Float32Array(0), band: new Uint8Array(0), table: f16Table(), free: new Map() };
function crc(j) {
  const fd = fs.openSync(j.file, "r");
  try {
    const piece = new Uint8Array(Math.max(1, Math.min(j.length, 16 << 20)));
    let c = 0;
    for (let done = 0; done < j.length;) {
      const got = fs.readSync(fd, piece, 0, Math.min(piece.length, j.length - done), j.offset + done);
      if (got === 0) throw new Error(j.file + ": unexpected end of file at byte " + (j.offset + done));
      c = zlib.crc32(piece.subarray(0, got), c);
      done += got;
    }
    return c;
  } finally { fs.closeSync(fd); }
}
parentPort.on("message", ({ id, job }) => {
  try {
    const value = job.kind === "crc" ? crc(job) : convertEntry(job, fs, zlib, state, process.pid, (bytes) => parentPort.postMessage({ id, progress: bytes }));
    parentPort.postMessage({ id, value });
  } catch (e) { parentPort.postMessage({ id, error: String((e && e.message) || e) }); }
});
`;
}

interface Queued {
  job: MakeJob | CrcJob;
  resolve: (v: number | string) => void;
  reject: (e: Error) => void;
  onProgress?: (bytes: number) => void;
}

/** A fixed set of workers serving one queue. */
export class ConvertPool {
  private readonly workers: { w: Worker; current: Queued | null }[] = [];
  private readonly queue: Queued[] = [];

  /** `size` workers (default: one per core the OS reports, at most 8). */
  constructor(size = Math.min(8, Math.max(1, os.availableParallelism?.() ?? os.cpus().length))) {
    const source = workerSource();
    for (let i = 0; i < size; i++) {
      const slot: { w: Worker; current: Queued | null } = { w: new Worker(source, { eval: true }), current: null };
      slot.w.unref();
      slot.w.on("message", (m: { value?: number | string; progress?: number; error?: string }) => {
        const q = slot.current!;
        if (m.progress !== undefined) return q.onProgress?.(m.progress);
        slot.current = null;
        if (m.error !== undefined) q.reject(new OnnxRuntimeError(`weight conversion worker: ${m.error}`));
        else q.resolve(m.value!);
        this.next(slot);
      });
      slot.w.on("error", (e) => {
        slot.current?.reject(new OnnxRuntimeError(`weight conversion worker failed: ${e.message}`, e));
        slot.current = null;
      });
      this.workers.push(slot);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Queue a job; resolves with its result: the crc32 (crc jobs: a number; entry jobs: 8 hex digits). */
  run(job: CrcJob): Promise<number>;
  run(job: MakeJob, onProgress?: (bytes: number) => void): Promise<string>;
  run(job: MakeJob | CrcJob, onProgress?: (bytes: number) => void): Promise<number | string> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject, onProgress });
      const idle = this.workers.find((s) => s.current === null);
      if (idle) this.next(idle);
    });
  }

  private next(slot: { w: Worker; current: Queued | null }): void {
    const q = this.queue.shift();
    if (!q) {
      slot.w.unref(); // idle: do not keep the process alive
      return;
    }
    slot.current = q;
    slot.w.ref(); // busy: an awaited job keeps the process alive
    slot.w.postMessage({ id: 0, job: q.job });
  }

  /** Stop the workers (their memory goes back to the OS now); queued jobs reject. */
  async close(): Promise<void> {
    for (const q of this.queue.splice(0)) q.reject(new OnnxRuntimeError("weight conversion pool closed"));
    await Promise.all(this.workers.map((s) => s.w.terminate()));
    this.workers.length = 0;
  }
}
