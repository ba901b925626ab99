/**
 * checkpoint_weights.ts — put a checkpoint's tensors into ONNX graphs without copying them into JS.
 *
 * Teaches: where a model's weights live while ONNX Runtime runs it. A float32 tensor in a
 * .safetensors file is already exactly what ONNX wants (raw little-endian floats), so a graph can
 * name it as an *external-data initializer*: { location: file name, offset, length } relative to the
 * checkpoint folder, which ORT opens itself (`model_external_initializers_file_folder_path`):
 *   float32 checkpoint      -> externalInitializer into the .safetensors itself (nothing read into JS)
 *   bf16 / f16 tensors      -> widened to float32 once (ORT's CPU kernels have no bf16 MatMul) and
 *                              written to a disk cache (weight_cache.ts) that sessions reference;
 *                              small ones (< 1 MiB) are embedded in the model instead. The other
 *                              two ways (`halfToFloat`), measured on a [16384, 2048] Gemma MLP weight
 *                              (bench/README.md has the whole model): "fold" = a Cast node over the
 *                              bf16 bytes in the checkpoint that ORT constant-folds at session
 *                              creation (no disk copy, but ~0.4 GB/s of widening on EVERY start:
 *                              148-166 ms vs 7-17 ms per weight); "cast" = the same Cast run on every
 *                              call (ConstantFolding off: M=1 80-86 ms vs 5-7 ms, decode ~15x slower)
 *   a linear's weight       -> in the form the PLAN gives its name (a pure function of dtype and
 *                              config, e.g. paligemma's quantization_plan.ts):
 *        float              float32 as above, read transposed by FusedMatMul (onnx/ops/linear.ts)
 *        int8               per-channel int8 for DynamicQuantizeMatMul (dynamic_quantize_matmul.ts)
 *        nbits              blockwise int4/int8 for MatMulNBits (matmul_nbits.ts)
 *                           both computed once into the disk cache
 * ORT needs all of a session's external files in one folder: the checkpoint's, or the cache's (then
 * every large tensor of that session comes from the cache).
 * `prepare(names)` queues every cache entry those tensors need on a worker per core (convert_pool.ts)
 * and checksums, on the same workers, the existing entries whose files changed since the cache wrote
 * or last checked them (`verified`, awaited by the caller once its sessions exist); `ready(names)` says when a block's entries are written, so its
 * session can be created while later weights are still converted. Without prepare, an entry is made
 * in this thread the first time a graph asks for it.
 *
 * Prepacking (ORT repacking a MatMul weight into its blocked layout at session creation) is OFF for
 * float32 sessions: the weights then stay memory-mapped from the file (session creation ~6 ms instead
 * of ~0.6 s per Gemma 2B layer, no second copy, shared with the page cache), and FusedMatMul runs as
 * fast (measured: a Gemma 2B layer, T=1 34.3 vs 34.4 ms, T=276 485 vs 479 ms). MatMulNBits needs
 * prepacking (without it: 142-208 ms instead of 1.3-3.7 ms at M=1), so sessions with a quantized
 * linear keep it.
 * Embedding lookups read single rows from the file (tensor_rows.ts), never the whole table.
 *
 * References: https://onnx.ai/onnx/repo-docs/ExternalData.html ; ORT contrib ops FusedMatMul,
 * DynamicQuantizeMatMul, MatMulNBits (onnxruntime/core/graph/contrib_ops/).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "../errors.ts";
import type { GraphParams } from "../layer_ops/graph_ops.ts";
import type { Checkpoint } from "../safetensors/checkpoint.ts";
import { ConvertPool } from "./convert_pool.ts";
import { TensorRows } from "../safetensors/tensor_rows.ts";
import type { Tensor } from "../tensor.ts";
import { quantizePerChannelInt8 } from "./dynamic_quantize_matmul.ts";
import type { Graph, Value } from "./graph.ts";
import { type QuantBits, quantizeBlockwise } from "./matmul_nbits.ts";
import type { LinearWeight } from "./ops/linear.ts";
import type { SessionOptions } from "./session.ts";
import { type CacheEntry, cacheFileName } from "./cache_file.ts";
import { type CacheProblem, type CachedPart, type ConvertProgress, WeightCache, defaultCacheRoot } from "./weight_cache.ts";

/** How one linear layer's weight is stored and multiplied (see the header). */
export type LinearForm =
  | { kind: "float" }
  | { kind: "int8" }
  | { kind: "nbits"; bits: QuantBits; blockSize?: number; accuracyLevel?: number };

/** Linear weight name -> form; a name not listed is float. */
export type LinearPlan = Readonly<Record<string, LinearForm>>;

export interface CheckpointWeightsOptions {
  /** The form of each linear layer's weight (default: every one float). */
  plan?: LinearPlan;
  /** Disk cache root (default $PALIGEMMA_CACHE or ~/.cache/paligemma-ts); null = no disk cache, embed. */
  cacheRoot?: string | null;
  /** Tensors smaller than this as float32 are embedded in the model rather than cached (default 1 MiB). */
  embedBelowBytes?: number;
  /** Where cache notes go (a rebuilt entry, a stale dir): default one line each on stderr. */
  log?: (line: string) => void;
  /** How large bf16/f16 tensors become float32 (see the header): "cache" (default), "fold" or "cast". */
  halfToFloat?: "cache" | "fold" | "cast";
}

export interface PrepareOptions {
  /** The tensors the model will bind (default: every tensor of the checkpoint). */
  names?: readonly string[];
  onProgress?: (p: ConvertProgress) => void;
  /** Worker threads (default one per core). */
  workers?: number;
}

export class CheckpointWeights implements GraphParams {
  /** Folder every shard lives in (real path). */
  readonly folder: string;
  readonly plan: LinearPlan;
  /** The disk cache, when some tensor must be transformed (bf16, quantized) and caching is on. */
  readonly cache: WeightCache | null;
  private readonly embedBelow: number;
  private readonly halfToFloat: "cache" | "fold" | "cast";
  private readonly rowReaders = new Map<string, TensorRows>();

  constructor(
    readonly checkpoint: Checkpoint,
    options: CheckpointWeightsOptions = {},
  ) {
    // Real paths: ORT refuses external data that resolves outside its folder, and a Hugging Face
    // snapshot's model.safetensors is a symlink into ../../blobs/.
    const folders = new Set(checkpoint.files.map((f) => path.dirname(fs.realpathSync(f.path))));
    if (folders.size !== 1) throw new ArgumentError(`CheckpointWeights: shards of ${checkpoint.path} live in ${folders.size} folders; external data needs one`);
    this.folder = [...folders][0];
    this.plan = options.plan ?? {};
    for (const [name, f] of Object.entries(this.plan)) {
      if (!checkpoint.has(name)) throw new ArgumentError(`CheckpointWeights: the linear plan names "${name}", which ${checkpoint.path} does not hold`);
      if (f.kind === "nbits" && f.bits !== 4 && f.bits !== 8) throw new ArgumentError(`CheckpointWeights: plan for ${name}: nbits needs bits 4 or 8, got ${f.bits}`);
    }
    this.embedBelow = options.embedBelowBytes ?? 1 << 20;
    this.halfToFloat = options.halfToFloat ?? "cache";
    const quantizes = Object.values(this.plan).some((f) => f.kind !== "float");
    const converts = this.halfToFloat === "cache" && checkpoint.names().some((n) => {
      const i = checkpoint.info(n);
      return i.dtype !== "float32" && (i.byteLength / 2) * 4 >= this.embedBelow;
    });
    const root = options.cacheRoot === undefined ? defaultCacheRoot() : options.cacheRoot;
    this.cache = (quantizes || converts) && root !== null ? new WeightCache(checkpoint, root, { log: options.log }) : null;
  }

  /** The cache entry tensor `name` is bound through (its planned form, or float32 when large enough to be external), or null. */
  private entryOf(name: string): CacheEntry | null {
    if (!this.cache) return null;
    const form = this.plan[name];
    if (form?.kind === "int8") return { name, form: { kind: "int8ch" } };
    if (form?.kind === "nbits") return { name, form: { kind: "nbits", bits: form.bits, blockSize: form.blockSize ?? 128 } };
    const info = this.checkpoint.info(name);
    return (info.byteLength / (info.dtype === "float32" ? 4 : 2)) * 4 >= this.embedBelow ? { name, form: { kind: "f32" } } : null;
  }

  /**
   * Start making the cache entries of `names` that are missing or broken, on a worker per core, in
   * the order of `names` (the order the caller will compile its blocks in: OnnxKernels waits per block,
   * `ready`, so sessions are created while later weights are still converted), and checksum the
   * entries that were already there on the same workers. Resolves at once; `verified` settles when
   * all of it is done (it rejects if an entry could not be made).
   */
  async prepare(options: PrepareOptions = {}): Promise<void> {
    if (!this.cache) return;
    const entries = (options.names ?? this.checkpoint.names()).map((n) => this.entryOf(n)).filter((e): e is CacheEntry => e !== null);
    const toMake = new Set(this.cache.missing(entries));
    const existing = this.cache.untrusted(entries.filter((e) => !toMake.has(e))); // changed since written or last checksummed
    if (toMake.size === 0 && existing.length === 0) return;
    const pool = new ConvertPool(options.workers);
    this.pending = this.cache.make([...toMake], pool, options.onProgress);
    const made = Promise.all(this.pending.values());
    made.catch(() => {}); // reported through ready() and verified
    const checked = existing.length ? this.cache.verify(existing, pool) : Promise.resolve([]);
    this.verified = Promise.all([made, checked]).then(([, problems]) => problems).finally(() => pool.close());
  }

  /** Resolves when the cache entries of `names` that prepare() is making are written. */
  async ready(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((n) => this.entryOf(n)).map((e) => (e ? this.pending.get(cacheFileName(e)) : undefined)));
  }

  /** The cache files prepare() is making: file name -> when it is written. */
  private pending = new Map<string, Promise<void>>();

  /** The checksum check of the entries prepare() found (broken files are already deleted and named on stderr); rejects if making an entry failed. */
  verified: Promise<CacheProblem[]> = Promise.resolve([]);

  /** True when `name` is referenced straight from the checkpoint file (bf16/f16 ones through a Cast, halfToFloat "fold"/"cast"). */
  inPlace(name: string): boolean {
    const info = this.checkpoint.info(name);
    return !this.cache && (info.dtype === "float32" || (this.halfToFloat !== "cache" && (info.byteLength / 2) * 4 >= this.embedBelow));
  }

  /** The checkpoint tensor `name` as a float32 initializer of `g` (see the header for where it lives). */
  tensor(g: Graph, name: string): Value {
    const info = this.checkpoint.info(name);
    if (this.inPlace(name)) {
      const location = path.relative(this.folder, fs.realpathSync(info.file));
      const v = g.externalInitializer(name, info.dtype, info.shape, { location, offset: info.byteOffset, length: info.byteLength });
      return info.dtype === "float32" ? v : g.op("Cast", [v], { to: 1 }); // halfToFloat "fold" / "cast"
    }
    const f32Bytes = (info.byteLength / (info.dtype === "float32" ? 4 : 2)) * 4;
    if (this.cache && f32Bytes >= this.embedBelow) return this.external(g, name, this.cache.parts({ name, form: { kind: "f32" } }).tensor, "float32");
    return g.initializer(name, this.checkpoint.read(name).to("float32"));
  }

  /** The linear weight `name` [out, in] in its planned form. */
  linearWeight(g: Graph, name: string, float: () => Value): LinearWeight {
    const form = this.plan[name] ?? { kind: "float" };
    const [N, K] = this.checkpoint.info(name).shape;
    if (form.kind === "float") return { kind: "float", weight: float() };
    if (form.kind === "int8") return { kind: "int8", ...this.channelQuantized(g, name, N, K) };
    return { kind: "nbits", N, K, bits: form.bits, blockSize: form.blockSize ?? 128, accuracyLevel: form.accuracyLevel ?? 4, ...this.quantized(g, name, N, K, form.bits, form.blockSize ?? 128) };
  }

  /** Rows of the 2-D tensor `name` for ids [B][T] -> [B, T, D], read from the file one row at a time. */
  rows(name: string, ids: readonly (readonly number[])[]): Tensor {
    let r = this.rowReaders.get(name);
    if (!r) this.rowReaders.set(name, (r = new TensorRows(this.checkpoint, name)));
    return r.rows(ids);
  }

  /**
   * Session options for a graph bound here: ORT finds the external files in the checkpoint's or the
   * cache's folder; the per-session memory arena is off (a model has dozens of sessions and each
   * arena would keep its largest run's buffers for good); prepacking only with a quantized linear.
   */
  sessionOptions(quantized: boolean): SessionOptions {
    return { memoryArena: false, disablePrepacking: !quantized, externalDataFolder: this.cache?.dir ?? this.folder, ...(this.halfToFloat === "cast" ? { disabledOptimizers: ["ConstantFolding"] } : {}) };
  }

  /** Close the row readers' files. */
  close(): void {
    for (const r of this.rowReaders.values()) r.close();
    this.rowReaders.clear();
  }

  private readF32(name: string): Float32Array {
    return this.checkpoint.read(name).to("float32").data as Float32Array;
  }

  private external(g: Graph, name: string, p: CachedPart, dtype: "float32" | "uint8", int8 = false): Value {
    return g.externalInitializer(name, dtype, p.shape, { location: p.location, offset: p.offset, length: p.length }, { int8 });
  }

  /** The MatMulNBits initializers of weight `name` [N, K]: from the disk cache, or quantized now. */
  private quantized(g: Graph, name: string, N: number, K: number, bits: QuantBits, blockSize: number) {
    if (!this.cache) {
      const q = quantizeBlockwise(this.readF32(name), N, K, bits, blockSize);
      return { packed: g.initializer(`${name}.packed`, q.packed), scales: g.initializer(`${name}.scales`, q.scales), zeroPoints: g.initializer(`${name}.zero_points`, q.zeroPoints) };
    }
    const c = this.cache.parts({ name, form: { kind: "nbits", bits, blockSize } });
    return { packed: this.external(g, `${name}.packed`, c.packed, "uint8"), scales: this.external(g, `${name}.scales`, c.scales, "float32"), zeroPoints: this.external(g, `${name}.zero_points`, c.zero_points, "uint8") };
  }

  /** The DynamicQuantizeMatMul initializers of weight `name` [N, K]: int8 [K, N] + scales [N]. */
  private channelQuantized(g: Graph, name: string, N: number, K: number): { weight: Value; scales: Value } {
    if (!this.cache) {
      const q = quantizePerChannelInt8(this.readF32(name), N, K);
      return { weight: g.initializer(`${name}.int8`, q.weight, { int8: true }), scales: g.initializer(`${name}.scales`, q.scales) };
    }
    const c = this.cache.parts({ name, form: { kind: "int8ch" } });
    return { weight: this.external(g, `${name}.int8`, c.weight, "uint8", true), scales: this.external(g, `${name}.scales`, c.scales, "float32") };
  }
}
