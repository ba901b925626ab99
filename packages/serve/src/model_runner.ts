/**
 * model_runner.ts — the main thread's handle on a model worker: a bounded queue, batching of
 * waiting requests, cancellation, and a restart when the worker dies.
 *
 * Teaches the scheduling a model server needs, kept out of the HTTP code:
 *   submit      check the request against the model first (prompt length, sampling options,
 *               detect/segment pieces: the cheap open stage runs here too), then queue it; a queue
 *               already holding `maxQueue` waiting requests refuses with QueueFullError (HTTP 429)
 *   dispatch    when the worker is idle, the oldest request starts; greedy requests waiting with it
 *               that can share its batch (same eos rule, positions fit) join it, up to `maxBatch`
 *               rows (sampled ones run alone: row b of a batch samples with seed + b); while other
 *               requests are still arriving (the HTTP layer calls arrive() before decoding their
 *               image) a greedy head waits up to `batchWaitMs` for them, so clients that ask at the
 *               same moment share one generation instead of the first running alone
 *   stream      the worker's token events reach `onToken` as they are sampled
 *   cancel      an AbortSignal (the HTTP layer fires it when the client disconnects) removes a
 *               waiting request, or tells the worker to drop a running one at its next step; the
 *               promise rejects with RequestCancelledError at once
 *   crash       if the worker exits, running requests fail with WorkerCrashedError (HTTP 503),
 *               a new worker loads the model, and waiting requests run on it
 * One worker, one generation at a time, one KV cache per generation: requests never share a cache.
 *
 * Reference: DESIGN.md section 10; vLLM / TGI request queues (waiting -> running), simplified to
 * static batches.
 * Leaves out: continuous batching, priorities, several workers per model.
 */
import type { Worker } from "node:worker_threads";
import { isGreedy } from "@paligemma-ts/core";
import { type OpenedPaliGemma, PaliGemma, assertPromptSupported, checkDecodeRequest } from "@paligemma-ts/paligemma";
import { PaliGemmaError } from "@paligemma-ts/tensor";
import { QueueFullError, RemoteError, RequestCancelledError, WorkerCrashedError } from "./errors.ts";
import type { AttentionOutput, AttentionQuery, FromWorker, GenerateJob, GenerationOutput, LoadSpec, ModelInfo, ScoreJob, ScoreOutput, ToWorker } from "./protocol.ts";
import { startWorker } from "./worker_thread.ts";

export interface RunnerOptions extends LoadSpec {
  /** Requests allowed to wait for a busy worker (not counting those running); more are refused. Default 16. */
  maxQueue?: number;
  /** Rows batched into one generation. Default 4. */
  maxBatch?: number;
  /** How long a greedy request may wait for requests still arriving (arrive()) to join its batch. Default 150 ms. */
  batchWaitMs?: number;
  onProgress?: (p: { loaded: number; total: number; name: string }) => void;
}

export interface TokenUpdate {
  index: number;
  tokenId: number;
  text: string;
}

interface Job {
  jobId: number;
  kind: "generate" | "score";
  generate?: GenerateJob;
  score?: ScoreJob;
  promptLength: number;
  enqueuedAt: number;
  startedAt?: number;
  onToken?: (t: TokenUpdate) => void;
  resolve: (v: never) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

export interface RunnerStats {
  state: "loading" | "ready" | "failed";
  running: number;
  waiting: number;
  maxQueue: number;
  maxBatch: number;
  completed: number;
  restarts: number;
}

export class ModelRunner {
  info!: ModelInfo;
  private worker!: Worker;
  private state: RunnerStats["state"] = "loading";
  private readonly queue: Job[] = [];
  private readonly running = new Map<number, Job>();
  private readonly attentionCalls = new Map<number, { resolve: (a: AttentionOutput) => void; reject: (e: unknown) => void }>();
  private busy = false;
  private closing = false;
  private scheduled = false;
  private nextId = 1;
  private completed = 0;
  private restarts = 0;
  private readonly maxQueue: number;
  private readonly maxBatch: number;
  private readonly batchWaitMs: number;
  private arriving = 0;

  private constructor(
    readonly opened: OpenedPaliGemma,
    private readonly options: RunnerOptions,
  ) {
    this.maxQueue = options.maxQueue ?? 16;
    this.maxBatch = Math.max(1, options.maxBatch ?? 4);
    this.batchWaitMs = options.batchWaitMs ?? 150;
  }

  /** Open the model here (cheap, for request checks), load it in a worker; resolves when it is ready. */
  static async start(options: RunnerOptions): Promise<ModelRunner> {
    const opened = await PaliGemma.open(options.model, { revision: options.revision });
    const runner = new ModelRunner(opened, options);
    try {
      await runner.spawn();
    } catch (e) {
      opened.close();
      throw e;
    }
    return runner;
  }

  get stats(): RunnerStats {
    return { state: this.state, running: this.running.size, waiting: this.queue.length, maxQueue: this.maxQueue, maxBatch: this.maxBatch, completed: this.completed, restarts: this.restarts };
  }

  /** A request is on its way (its image is decoding); call the returned function once it is queued or has failed. */
  arrive(): () => void {
    this.arriving++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.arriving--;
      this.schedule();
    };
  }

  /** Prompt ids as the model sees them (image tokens, <bos>, prompt, "\n"). */
  promptIds(prompt: string): number[] {
    return this.opened.promptIds(prompt).ids;
  }

  /** Throw the library's ArgumentError (or TokenizerMismatchError) when `prompt` with `options` cannot run. */
  check(prompt: string, options: Omit<GenerateJob, "jobId" | "prompt" | "pixels">): number[] {
    assertPromptSupported(prompt, this.opened.tokenizerReport);
    const ids = this.promptIds(prompt);
    const { maxNewTokens, temperature, topK, topP, seed } = options;
    checkDecodeRequest(this.opened.config, [ids], { maxNewTokens, temperature, topK, topP, seed, stopTokenIds: [] });
    return ids;
  }

  /**
   * Generate one answer; `onToken` sees each token as it is sampled. A request that cannot run
   * (ArgumentError, TokenizerMismatchError) or cannot queue (QueueFullError) throws at once.
   */
  generate(request: Omit<GenerateJob, "jobId">, options: { signal?: AbortSignal; onToken?: (t: TokenUpdate) => void } = {}): Promise<GenerationOutput> {
    const ids = this.check(request.prompt, request);
    return this.enqueue<GenerationOutput>("generate", ids.length, (jobId) => ({ generate: { ...request, jobId } }), options);
  }

  /** Score `suffix` as the answer to `prefix` (per-token and mean NLL). */
  score(request: Omit<ScoreJob, "jobId">, options: { signal?: AbortSignal } = {}): Promise<ScoreOutput> {
    const { ids } = this.opened.promptIds(request.prefix, request.suffix);
    this.opened.checkPositions([ids], 0, "prefix + suffix");
    return this.enqueue<ScoreOutput>("score", ids.length, (jobId) => ({ score: { ...request, jobId } }), options);
  }

  /** A generated token's attention over the image (the generation must have asked for attention). */
  attention(query: AttentionQuery): Promise<AttentionOutput> {
    if (this.state !== "ready") return Promise.reject(new PaliGemmaError("E_LOADING", "the model is loading"));
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.attentionCalls.set(requestId, { resolve, reject });
      this.send({ type: "attention", requestId, query });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const j of [...this.queue, ...this.running.values()]) this.settle(j, new RequestCancelledError("the server is shutting down"));
    await this.worker?.terminate();
    this.opened.close();
  }

  private enqueue<T>(kind: Job["kind"], promptLength: number, body: (jobId: number) => Partial<Job>, options: { signal?: AbortSignal; onToken?: (t: TokenUpdate) => void }): Promise<T> {
    // Thrown, not returned as a rejected promise: the HTTP layer answers 4xx/5xx before it starts a stream.
    if (this.state === "failed") throw new WorkerCrashedError("the model could not be reloaded");
    if (options.signal?.aborted) throw new RequestCancelledError();
    // Waiting = not yet sent to the worker; a worker with nothing running is about to take up to
    // maxBatch of them (its "idle" may still be on the way after the last "done").
    if (this.queue.length >= this.maxQueue + (this.running.size > 0 || this.state !== "ready" ? 0 : this.maxBatch)) throw new QueueFullError(this.maxQueue);
    const jobId = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => this.cancel(job);
      const job: Job = { jobId, kind, promptLength, enqueuedAt: performance.now(), onToken: options.onToken, resolve: resolve as (v: never) => void, reject, cleanup: () => options.signal?.removeEventListener("abort", onAbort), ...body(jobId) };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.queue.push(job);
      this.schedule();
    });
  }

  private cancel(job: Job): void {
    const waiting = this.queue.indexOf(job);
    if (waiting >= 0) this.queue.splice(waiting, 1);
    else if (this.running.has(job.jobId)) this.send({ type: "cancel", jobId: job.jobId });
    else return;
    this.settle(job, new RequestCancelledError());
  }

  /** Resolve or reject a job once, and forget it. */
  private settle(job: Job, error: unknown, value?: unknown): void {
    this.running.delete(job.jobId);
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    job.cleanup();
    if (error) job.reject(error);
    else {
      this.completed++;
      job.resolve(value as never);
    }
  }

  /** Dispatch on the next turn, so requests that arrive together can share a batch. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    if (this.busy || this.state !== "ready" || this.queue.length === 0) return;
    const first = this.queue[0];
    const canWait = first.kind === "generate" && isGreedy(first.generate!) && this.maxBatch > 1 && this.queue.length < this.maxBatch;
    if (canWait && this.arriving > 0 && performance.now() - first.enqueuedAt < this.batchWaitMs) {
      setTimeout(() => this.schedule(), 5); // more rows are coming: give them a moment to join
      return;
    }
    const head = this.queue.shift()!;
    const batch = [head];
    if (head.kind === "generate" && isGreedy(head.generate!)) {
      const g = head.generate!;
      for (let i = 0; i < this.queue.length && batch.length < this.maxBatch; i++) {
        const j = this.queue[i];
        if (j.kind !== "generate" || !isGreedy(j.generate!) || !!j.generate!.ignoreEos !== !!g.ignoreEos) continue;
        const rows = [...batch, j];
        const longest = Math.max(...rows.map((r) => r.promptLength)) + Math.max(...rows.map((r) => r.generate!.maxNewTokens));
        if (longest > this.info.maxPositions) continue;
        batch.push(j);
        this.queue.splice(i--, 1);
      }
    }
    this.busy = true;
    for (const j of batch) this.running.set(j.jobId, j);
    if (head.kind === "score") this.send({ type: "score", job: head.score! });
    else this.send({ type: "generate", jobs: batch.map((j) => j.generate!) });
  }

  private send(m: ToWorker): void {
    this.worker.postMessage(m);
  }

  private spawn(): Promise<void> {
    const { onProgress: _p, maxQueue: _q, maxBatch: _b, ...spec } = this.options;
    const worker = startWorker(new URL("./model_worker.ts", import.meta.url), { spec });
    this.worker = worker;
    this.state = "loading";
    return new Promise((resolve, reject) => {
      let ready = false;
      worker.on("message", (m: FromWorker) => {
        if (m.type === "ready") {
          ready = true;
          this.info = m.info;
          this.state = "ready";
          resolve();
          this.schedule();
        } else if (m.type === "loadError") {
          this.state = "failed";
          reject(new RemoteError(m.error));
          void worker.terminate();
        } else this.onMessage(m);
      });
      worker.on("error", (e) => (ready ? this.crashed(worker, e.message) : reject(e)));
      worker.on("exit", (code) => {
        if (!ready) reject(new WorkerCrashedError(`exit code ${code} while loading`));
        else this.crashed(worker, `exit code ${code}`);
      });
    });
  }

  private onMessage(m: FromWorker): void {
    if (m.type === "progress") this.options.onProgress?.(m);
    else if (m.type === "idle") {
      this.busy = false;
      this.schedule();
    } else if (m.type === "started") {
      for (const id of m.jobIds) {
        const j = this.running.get(id);
        if (j) j.startedAt = performance.now();
      }
    } else if (m.type === "token") this.running.get(m.jobId)?.onToken?.({ index: m.index, tokenId: m.tokenId, text: m.text });
    else if (m.type === "done" || m.type === "scored") {
      const j = this.running.get(m.jobId);
      if (!j) return;
      const queueMs = (j.startedAt ?? j.enqueuedAt) - j.enqueuedAt;
      if (m.type === "done") this.settle(j, null, { ...m.output, timings: { queueMs, ...m.output.timings } });
      else {
        const { scoreMs, ...rest } = m.output;
        this.settle(j, null, { ...rest, timings: { queueMs, scoreMs } });
      }
    } else if (m.type === "failed") {
      const j = this.running.get(m.jobId);
      if (j) this.settle(j, new RemoteError(m.error));
    } else if (m.type === "attention") {
      const call = this.attentionCalls.get(m.requestId);
      this.attentionCalls.delete(m.requestId);
      if (m.error) call?.reject(new RemoteError(m.error));
      else if (m.output) call?.resolve(m.output);
    }
  }

  private crashed(worker: Worker, why: string): void {
    if (this.closing || worker !== this.worker) return;
    for (const j of [...this.running.values()]) this.settle(j, new WorkerCrashedError(why));
    for (const c of this.attentionCalls.values()) c.reject(new WorkerCrashedError(why));
    this.attentionCalls.clear();
    this.busy = false;
    this.restarts++;
    this.spawn().catch(() => {
      this.state = "failed";
      for (const j of [...this.queue]) this.settle(j, new WorkerCrashedError(`${why}; reloading the model failed`));
    });
  }
}
