/**
 * convert_pool.ts — a worker thread per core that converts checkpoint rows into cached weight forms
 * and checksums cache files, so a first start uses every core and the JS thread stays free.
 *
 * Teaches: how to put plain typed-array work on other cores in Node.
 *   - each worker opens the checkpoint shard itself and reads exactly its rows (fs.readSync at the
 *     tensor's offset: no copy through the main thread, no float32 detour for bf16/f16 sources);
 *   - outputs are SharedArrayBuffers allocated once per tensor by the caller: every job writes its
 *     own rows in place, nothing is posted back but "done" (and a checksum for crc jobs);
 *   - the worker is started from source TEXT (`eval: true`): the kernels of quantize_kernels.ts are
 *     self-contained functions, and `fn.toString()` of the transpiled module is plain JavaScript. A
 *     worker cannot import TypeScript under tsx's tsImport (the CLI) or vitest, and a prebuilt .js
 *     copy of the kernels would be a second definition to keep in sync. (Code coverage tools that
 *     rewrite function bodies would break this; the project does not use them.)
 *   - jobs are queued per worker; a worker is ref'd only while it has jobs, so an idle pool never
 *     keeps the process alive and an awaited one always does.
 * crc jobs read a byte range in 16 MiB pieces and fold zlib.crc32 over it (~3 GB/s per core measured).
 *
 * Reference: https://nodejs.org/api/worker_threads.html ; quantize_kernels.ts (the work itself).
 * Leaves out: cancelling queued jobs (a failed job rejects its promise; the others still run).
 */
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import { OnnxRuntimeError } from "./session.ts";
import { type RowsForm, type SourceCode, blockwiseRows, channelInt8Rows, convertRows, f16Table, widenInto } from "./quantize_kernels.ts";

/** Convert rows [n0, n0 + rows) of a tensor stored at `offset` of `file` (the tensor's own start). */
export interface ConvertJob {
  kind: "convert";
  file: string;
  /** Absolute byte offset of the tensor in the file. */
  offset: number;
  code: SourceCode;
  form: RowsForm;
  rows: number;
  n0: number;
  N: number;
  K: number;
  out: Record<string, SharedArrayBuffer>;
}

/** zlib.crc32 of `length` bytes of `file` at `offset`. */
export interface CrcJob {
  kind: "crc";
  file: string;
  offset: number;
  length: number;
}

const KERNELS = [f16Table, widenInto, channelInt8Rows, blockwiseRows, convertRows];

/** The worker's program: the kernels' source, then a message loop. */
function workerSource(): string {
  return `"use strict";
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const zlib = require("node:zlib");
var __name = (f) => f; // esbuild keepNames helper, should a kernel body reference it
${KERNELS.map((f) => f.toString()).join("\n")}
const table = f16Table();
const BYTES = [4, 2, 2];
let raw = new Uint8Array(0), scratch = new Float32Array(0), band = new Uint8Array(0);
const fds = new Map();
function fdOf(file) { let fd = fds.get(file); if (fd === undefined) { fd = fs.openSync(file, "r"); fds.set(file, fd); } return fd; }
function readFully(fd, buf, pos, file) {
  for (let done = 0; done < buf.length;) {
    const got = fs.readSync(fd, buf, done, Math.min(buf.length - done, 1 << 30), pos + done);
    if (got === 0) throw new Error(file + ": unexpected end of file at byte " + (pos + done));
    done += got;
  }
}
function convert(j) {
  const n = j.rows * j.K, bytes = n * BYTES[j.code];
  if (raw.length < bytes) raw = new Uint8Array(bytes);
  if (j.form.kind !== "f32" && j.code !== 0 && scratch.length < n) scratch = new Float32Array(n);
  if (j.form.kind === "int8ch" && band.length < j.K * 64) band = new Uint8Array(j.K * 64);
  const src = raw.subarray(0, bytes);
  readFully(fdOf(j.file), src, j.offset + j.n0 * j.K * BYTES[j.code], j.file);
  convertRows(src, j.code, j.form, j.rows, j.n0, j.N, j.K, j.out, scratch, band, table);
}
function crc(j) {
  const fd = fs.openSync(j.file, "r");
  try {
    const piece = new Uint8Array(Math.min(j.length, 16 << 20));
    let c = 0;
    for (let done = 0; done < j.length;) {
      const want = Math.min(piece.length, j.length - done);
      const got = fs.readSync(fd, piece, 0, want, j.offset + done);
      if (got === 0) throw new Error(j.file + ": unexpected end of file at byte " + (j.offset + done));
      c = zlib.crc32(piece.subarray(0, got), c);
      done += got;
    }
    return c;
  } finally { fs.closeSync(fd); }
}
parentPort.on("message", ({ id, job }) => {
  try { parentPort.postMessage({ id, value: job.kind === "crc" ? crc(job) : convert(job) }); }
  catch (e) { parentPort.postMessage({ id, error: String(e && e.message || e) }); }
});
`;
}

interface Pending {
  resolve: (v: number | undefined) => void;
  reject: (e: Error) => void;
}

/** A fixed set of workers; `run` sends a job to the least busy one. */
export class ConvertPool {
  private readonly workers: { w: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  /** `size` workers (default: one per core the OS reports, at most 8). */
  constructor(size = Math.min(8, Math.max(1, os.availableParallelism?.() ?? os.cpus().length))) {
    const source = workerSource();
    for (let i = 0; i < size; i++) {
      const w = new Worker(source, { eval: true });
      const slot = { w, busy: 0 };
      w.unref();
      w.on("message", (m: { id: number; value?: number; error?: string }) => {
        if (--slot.busy === 0) w.unref(); // idle: do not keep the process alive
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new OnnxRuntimeError(`weight conversion worker: ${m.error}`));
        else p?.resolve(m.value);
      });
      w.on("error", (e) => {
        for (const p of this.pending.values()) p.reject(new OnnxRuntimeError(`weight conversion worker failed: ${e.message}`, e));
        this.pending.clear();
      });
      this.workers.push(slot);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Run one job; resolves with the checksum (crc jobs) or undefined (convert jobs). */
  run(job: ConvertJob | CrcJob): Promise<number | undefined> {
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    if (slot.busy++ === 0) slot.w.ref(); // busy: an awaited job keeps the process alive
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.w.postMessage({ id, job });
    });
  }

  /** Stop the workers (pending jobs reject). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((s) => s.w.terminate()));
    this.workers.length = 0;
  }
}
