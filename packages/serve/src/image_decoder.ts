/**
 * image_decoder.ts — the main thread's side of the image thread (image_worker.ts): decode(bytes)
 * resolves to pixel_values, or rejects with the decoder's typed error (an ImageDecodeError code).
 *
 * Teaches: a request/reply protocol over one worker: each call gets an id, replies find their
 * promise by it; the bytes are transferred (the caller gives them up). If the worker dies, every
 * pending call fails and the next call starts a new one.
 *
 * Leaves out: a pool of several image workers (one is enough next to one model worker on 2 cores).
 */
import type { Worker } from "node:worker_threads";
import { RemoteError, WorkerCrashedError } from "./errors.ts";
import type { DecodeReply, DecodeRequest } from "./image_worker.ts";
import { startWorker } from "./worker_thread.ts";

export interface DecodedImage {
  /** [3, S, S] float32 pixel_values. */
  pixels: Float32Array;
  width: number;
  height: number;
}

export class ImageDecoder {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (d: DecodedImage) => void; reject: (e: unknown) => void }>();

  /** `maxPixels`: the largest width x height decoded (default 25 megapixels). */
  constructor(readonly maxPixels = 25_000_000) {}

  /** Decode `bytes` (named `name` in errors) and resize to S x S. */
  decode(bytes: Uint8Array, size: number, name = "image"): Promise<DecodedImage> {
    const worker = this.ensure();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.ref(); // keep the process alive while a reply is due
      const copy = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      worker.postMessage({ id, bytes: copy, size, maxPixels: this.maxPixels, name } satisfies DecodeRequest, [copy.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    await w?.terminate();
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(new URL("./image_worker.ts", import.meta.url), {});
    w.unref(); // an idle image thread never keeps the process alive
    w.on("message", (m: DecodeReply) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (!p) return;
      if ("error" in m) p.reject(new RemoteError(m.error));
      else p.resolve({ pixels: m.pixels, width: m.width, height: m.height });
    });
    const fail = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(new WorkerCrashedError(`image worker: ${why}`));
      this.pending.clear();
    };
    w.on("error", (e) => fail(e.message));
    w.on("exit", (code) => fail(`exit code ${code}`));
    this.worker = w;
    return w;
  }
}
