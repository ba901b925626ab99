/**
 * session.ts — turn a `Graph` into an onnxruntime-node session, cache it, and run it on Tensors.
 *
 * Teaches: creating a session (parse + optimize + prepack weights) costs milliseconds to seconds,
 * running one costs microseconds, so sessions are created once and cached by what makes them
 * different: the graph's signature (a hash of its bytes) and the session options.
 *
 * Defaults, from measurements on this project's machine (shared/DESIGN.md section 4):
 *   - `allow_spinning = "0"` for intra- and inter-op threads: with spinning on, a MatMul that
 *     alternates across 4 sessions went from 3.5 ms to 12-16 ms (idle threads steal the cores).
 *   - graphOptimizationLevel "all" (constant folding, fusions, layout transforms).
 *   - intra-op threads: `threads` option, else $PALIGEMMA_THREADS, else ORT's default (one per core).
 *
 * Tensors cross the boundary cheaply: inputs are zero-copy views of the Tensor's buffer; outputs
 * arrive in a fresh ArrayBuffer (ORT copies them, ~0.6 ms/MiB), which we wrap without copying again.
 *
 * External data: initializers made with `Graph.externalInitializer` name a file *relative* to
 * `externalDataFolder` (ORT's `session.model_external_initializers_file_folder_path`); ORT refuses
 * absolute `location`s when the model is loaded from bytes. With `disablePrepacking` the file is
 * mmapped lazily instead of copied.
 *
 * References: https://onnxruntime.ai/docs/api/js/interfaces/InferenceSession.SessionOptions.html ;
 * onnxruntime/core/session/onnxruntime_session_options_config_keys.h
 * Leaves out: IO binding, run options (log level, terminate), profiling.
 */
import * as ort from "onnxruntime-node";
import type { DType, TypedArray } from "../dtype.ts";
import { ArgumentError, DTypeError, PaliGemmaError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import type { Graph } from "./graph.ts";
import { type Device, executionProviders, reportCudaFailure, resolveDevice } from "./execution_provider.ts";

export interface SessionOptions {
  /** "cpu" or "cuda"; default $PALIGEMMA_DEVICE or "cpu". CUDA falls back to CPU when unavailable. */
  device?: Device;
  /** Intra-op thread count; default $PALIGEMMA_THREADS or ORT's default. */
  threads?: number;
  /** Folder that external initializers' relative `location`s are resolved against. */
  externalDataFolder?: string;
  /** Skip weight prepacking: external weights stay mmapped instead of copied (slower MatMul at M >= 16). */
  disablePrepacking?: boolean;
  optimizationLevel?: "disabled" | "basic" | "extended" | "all";
  /**
   * Keep ORT's per-session CPU arena (default true). Each session's arena grows to its largest run
   * and never shrinks: with ~45 fused model sessions a 276-token prefill left ~2.7 GB of arenas
   * behind, so the model path turns it off (buffers are malloc'd per run; large ones go back to the OS).
   */
  memoryArena?: boolean;
  /** ORT graph optimizers to skip by name (e.g. "ConstantFolding"); default none. */
  disabledOptimizers?: readonly string[];
}

/** A session could not be created or run; the message names the graph. */
export class OnnxRuntimeError extends PaliGemmaError {
  constructor(message: string, cause?: unknown) {
    super("E_ONNXRUNTIME", message, { cause });
  }
}

const ORT_TYPE: Partial<Record<DType, ort.Tensor.Type>> = {
  float32: "float32", float16: "float16", float64: "float64", int32: "int32", int64: "int64", uint8: "uint8", bool: "bool",
};

/** Tensor -> ort.Tensor sharing the same buffer (no copy). bfloat16 has no JS ORT type. */
export function toOrtTensor(t: Tensor, what = "input"): ort.Tensor {
  const type = ORT_TYPE[t.dtype];
  if (!type) throw new DTypeError(`onnx session ${what}: dtype ${t.dtype} cannot be passed to onnxruntime-node (convert to float32 or float16 first)`);
  return new ort.Tensor(type, t.data as never, t.shape as number[]);
}

/** ort.Tensor -> Tensor wrapping ORT's output buffer (no second copy). */
export function fromOrtTensor(t: ort.Tensor, what = "output"): Tensor {
  const dims = t.dims as readonly number[];
  switch (t.type) {
    case "float32": case "float64": case "int32": case "int64": case "uint8": case "bool":
      return new Tensor(t.type, dims, t.data as TypedArray);
    case "float16": {
      const d = t.data as unknown as ArrayBufferView;
      return new Tensor("float16", dims, new Uint16Array(d.buffer, d.byteOffset, d.byteLength / 2));
    }
    default:
      throw new DTypeError(`onnx session ${what}: ORT returned type ${t.type}, which Tensor does not model`);
  }
}

/** A created session plus its graph's name, device and I/O names. */
export class OnnxSession {
  constructor(
    readonly session: ort.InferenceSession,
    readonly graphName: string,
    readonly device: Device,
  ) {}
  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }
  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /**
   * Run on Tensors; returns every output (or only `fetch`) as Tensors. `into` names outputs to write
   * into preallocated Tensors instead of fresh buffers (they must have the output's dtype and shape;
   * the returned Tensors then share their storage): a training step's new weights land in the
   * buffers the next step reads, with no per-step allocation.
   */
  async run(feeds: Record<string, Tensor>, fetch?: readonly string[], into?: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name of this.session.inputNames) {
      const t = feeds[name];
      if (!t) throw new ArgumentError(`graph ${this.graphName}: missing input "${name}" (inputs: ${this.session.inputNames.join(", ")})`);
      ortFeeds[name] = toOrtTensor(t, `${this.graphName}.${name}`);
    }
    let fetches: string[] | Record<string, ort.Tensor | null> | undefined = fetch ? [...fetch] : undefined;
    if (into) {
      const names = fetch ?? this.session.outputNames;
      fetches = Object.fromEntries(names.map((n) => [n, into[n] ? toOrtTensor(into[n], `${this.graphName}.${n}`) : null]));
    }
    let results: ort.InferenceSession.OnnxValueMapType;
    try {
      results = fetches ? await this.session.run(ortFeeds, fetches as never) : await this.session.run(ortFeeds);
    } catch (e) {
      const shapes = Object.entries(feeds).map(([k, v]) => `${k}: ${v.dtype}[${v.shape.join(", ")}]`).join(", ");
      throw new OnnxRuntimeError(`graph ${this.graphName}: run failed with ${shapes}: ${(e as Error).message}`, e);
    }
    const out: Record<string, Tensor> = {};
    for (const [name, value] of Object.entries(results)) out[name] = into?.[name] ?? fromOrtTensor(value as ort.Tensor, `${this.graphName}.${name}`);
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Options with environment defaults applied: what actually makes two sessions different. */
function resolveOptions(options: SessionOptions): Required<Omit<SessionOptions, "threads" | "externalDataFolder" | "disabledOptimizers">> & Pick<SessionOptions, "threads" | "externalDataFolder" | "disabledOptimizers"> {
  let threads = options.threads;
  const env = process.env.PALIGEMMA_THREADS;
  if (threads === undefined && env) threads = Number(env);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) {
    throw new ArgumentError(`session threads=${options.threads ?? `$PALIGEMMA_THREADS="${env}"`}: expected a positive integer`);
  }
  return {
    device: resolveDevice(options.device),
    threads,
    externalDataFolder: options.externalDataFolder,
    disablePrepacking: options.disablePrepacking ?? false,
    optimizationLevel: options.optimizationLevel ?? "all",
    memoryArena: options.memoryArena ?? true,
    ...(options.disabledOptimizers?.length ? { disabledOptimizers: [...options.disabledOptimizers] } : {}),
  };
}

function ortOptions(o: ReturnType<typeof resolveOptions>): ort.InferenceSession.SessionOptions {
  const session: Record<string, unknown> = {
    intra_op: { allow_spinning: "0" },
    inter_op: { allow_spinning: "0" },
  };
  if (o.externalDataFolder) session.model_external_initializers_file_folder_path = o.externalDataFolder;
  if (o.disablePrepacking) session.disable_prepacking = "1";
  const extra: Record<string, unknown> = { session };
  if (o.disabledOptimizers) extra.optimization = { disable_specified_optimizers: o.disabledOptimizers.join(",") };
  return {
    executionProviders: executionProviders(o.device),
    graphOptimizationLevel: o.optimizationLevel,
    enableCpuMemArena: o.memoryArena,
    executionMode: "sequential",
    interOpNumThreads: 1,
    ...(o.threads !== undefined ? { intraOpNumThreads: o.threads } : {}),
    extra,
  };
}

/** Create a new (uncached) session; a failing CUDA session is reported once and retried on CPU. */
export async function createSession(graph: Graph, options: SessionOptions = {}): Promise<OnnxSession> {
  return createResolved(graph, resolveOptions(options));
}

async function createResolved(graph: Graph, o: ReturnType<typeof resolveOptions>): Promise<OnnxSession> {
  const bytes = graph.toBytes();
  try {
    const session = await ort.InferenceSession.create(bytes, ortOptions(o));
    graph.releaseBytes(); // ORT holds its own copy of the weights now; keep only the signature
    return new OnnxSession(session, graph.name, o.device);
  } catch (e) {
    if (o.device === "cuda") {
      reportCudaFailure(e);
      return createResolved(graph, { ...o, device: "cpu" });
    }
    throw new OnnxRuntimeError(`graph ${graph.name}: onnxruntime could not create a session: ${(e as Error).message}`, e);
  }
}

// ---------------------------------------------------------------------------------------------
// The cache: signature + resolved options -> session (the promise, so concurrent callers share one).

const cache = new Map<string, Promise<OnnxSession>>();
const stats = { hits: 0, misses: 0 };

/** The cache key of a graph under some options (exported for tests and debugging). */
export function sessionKey(graph: Graph, options: SessionOptions = {}): string {
  return `${graph.signature()}|${JSON.stringify(resolveOptions(options))}`;
}

/** A cached session for this graph and options, created on first use. */
export function getSession(graph: Graph, options: SessionOptions = {}): Promise<OnnxSession> {
  const o = resolveOptions(options);
  const key = `${graph.signature()}|${JSON.stringify(o)}`;
  const hit = cache.get(key);
  if (hit) {
    stats.hits++;
    return hit;
  }
  stats.misses++;
  const created = createResolved(graph, o);
  cache.set(key, created);
  created.catch(() => cache.delete(key)); // a failed creation is not cached
  return created;
}

/** Build (or reuse) the session for `graph` and run it. */
export async function runGraph(graph: Graph, feeds: Record<string, Tensor>, options: SessionOptions = {}): Promise<Record<string, Tensor>> {
  return (await getSession(graph, options)).run(feeds);
}

/** Dispose one cached session (true if there was one). */
export async function releaseSession(graph: Graph, options: SessionOptions = {}): Promise<boolean> {
  const key = sessionKey(graph, options);
  const s = cache.get(key);
  if (!s) return false;
  cache.delete(key);
  await (await s).dispose();
  return true;
}

/** Dispose every cached session (frees weights and thread pools). */
export async function releaseAllSessions(): Promise<void> {
  const all = [...cache.values()];
  cache.clear();
  await Promise.all(all.map(async (s) => (await s.catch(() => null))?.dispose()));
}

/** Cache size and hit/miss counters since the process started. */
export function sessionCacheStats(): { size: number; hits: number; misses: number } {
  return { size: cache.size, ...stats };
}
