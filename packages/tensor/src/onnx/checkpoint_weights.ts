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
 *                              small ones (< 1 MiB) are embedded in the model instead
 *   quantize: int8 / int4   -> every `linear` weight becomes MatMulNBits initializers (matmul_nbits.ts),
 *                              also computed once into the disk cache
 *   kernel "dynamic" (int8) -> per-channel int8 weights [K, N] for DynamicQuantizeMatMul
 *                              (dynamic_quantize_matmul.ts): an integer GEMM, ~3x MatMulNBits at M=276
 * ORT needs all of a session's external files in one folder: the checkpoint's, or the cache's (then
 * every large tensor of that session comes from the cache).
 *
 * Prepacking (ORT repacking a MatMul weight into its blocked layout at session creation) is OFF for
 * float32: the weights then stay memory-mapped from the file (session creation ~6 ms instead of
 * ~0.6 s per Gemma 2B layer, no second copy, shared with the page cache), and FusedMatMul runs as
 * fast (measured: a Gemma 2B layer, T=1 34.3 vs 34.4 ms, T=276 485 vs 479 ms). MatMulNBits needs
 * prepacking (without it: 142-208 ms instead of 1.3-3.7 ms at M=1), so quantized sessions keep it.
 *
 * Linear layers keep PyTorch's [out, in] layout: y = x W^T + b is ONE node that reads W transposed
 *   "fused"  com.microsoft FusedMatMul(x, W, transB=1) (+ Add b)  any rank of x (default)
 *   "gemm"   Gemm(x2d, W, b, transB=1) around a Reshape pair      2-D only, bias fused
 * so no Transpose node materializes a transposed copy of a mapped weight at session creation.
 *
 * References: https://onnx.ai/onnx/repo-docs/ExternalData.html ; ORT contrib op FusedMatMul
 * (onnxruntime/core/graph/contrib_ops/contrib_defs.cc); https://onnx.ai/onnx/operators/onnx__Gemm.html
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "../errors.ts";
import type { Checkpoint } from "../safetensors/checkpoint.ts";
import { type Graph, MS_DOMAIN, type Value } from "./graph.ts";
import { dynamicQuantizeMatMul, quantizePerChannelInt8 } from "./dynamic_quantize_matmul.ts";
import { type QuantBits, matMulNBits, quantizeBlockwise } from "./matmul_nbits.ts";
import type { SessionOptions } from "./session.ts";
import { type CachedPart, WeightCache, defaultCacheRoot } from "./weight_cache.ts";

export type LinearKind = "fused" | "gemm";

export interface QuantizeOptions {
  bits: QuantBits;
  /** Inputs per quantization block (default 128). */
  blockSize?: number;
  /** MatMulNBits accuracy_level (default 4: int8 activations, VNNI/AMX dot products). */
  accuracyLevel?: number;
  /**
   * "nbits" (default): weight-only MatMulNBits, blockwise. "dynamic": int8 per output channel through
   * DynamicQuantizeMatMul (activations quantized per call too; bits must be 8).
   */
  kernel?: "nbits" | "dynamic";
  /** Per-weight exceptions by checkpoint name, e.g. an LM head that only ever sees one row per step. */
  overrides?: Record<string, Partial<Omit<QuantizeOptions, "overrides">>>;
}

export interface CheckpointWeightsOptions {
  /** How `linear` multiplies by W^T (default "fused"). */
  linear?: LinearKind;
  /** Weight-only quantization of every `linear` weight (MatMulNBits); other tensors stay float32. */
  quantize?: QuantizeOptions;
  /** Disk cache root (default $PALIGEMMA_CACHE or ~/.cache/paligemma-ts); null = no disk cache, embed. */
  cacheRoot?: string | null;
  /** Tensors smaller than this as float32 are embedded in the model rather than cached (default 1 MiB). */
  embedBelowBytes?: number;
  /** Let ORT prepack weights (default: only for quantized weights; see the header). */
  prepack?: boolean;
}

export class CheckpointWeights {
  /** Folder every shard lives in (real path). */
  readonly folder: string;
  readonly linearKind: LinearKind;
  readonly quantize?: Required<QuantizeOptions>;
  /** The disk cache, when some tensor must be transformed (bf16, quantized) and caching is on. */
  readonly cache: WeightCache | null;
  private readonly embedBelow: number;
  private readonly prepack: boolean;

  constructor(
    readonly checkpoint: Checkpoint,
    options: CheckpointWeightsOptions = {},
  ) {
    // Real paths: ORT refuses external data that resolves outside its folder, and a Hugging Face
    // snapshot's model.safetensors is a symlink into ../../blobs/.
    const folders = new Set(checkpoint.files.map((f) => path.dirname(fs.realpathSync(f.path))));
    if (folders.size !== 1) throw new ArgumentError(`CheckpointWeights: shards of ${checkpoint.path} live in ${folders.size} folders; external data needs one`);
    this.folder = [...folders][0];
    this.linearKind = options.linear ?? "fused";
    const q = options.quantize;
    if (q) this.quantize = { bits: q.bits, blockSize: q.blockSize ?? 128, accuracyLevel: q.accuracyLevel ?? 4, kernel: q.kernel ?? "nbits", overrides: q.overrides ?? {} };
    for (const o of q ? [q, ...Object.values(q.overrides ?? {})] : []) {
      if (o.kernel === "dynamic" && (o.bits ?? q!.bits) !== 8) throw new ArgumentError(`CheckpointWeights: quantize kernel "dynamic" is int8 only, got bits ${o.bits ?? q!.bits}`);
    }
    this.embedBelow = options.embedBelowBytes ?? 1 << 20;
    this.prepack = options.prepack ?? !!q;
    const converts = checkpoint.names().some((n) => {
      const i = checkpoint.info(n);
      return i.dtype !== "float32" && (i.byteLength / 2) * 4 >= this.embedBelow;
    });
    const root = options.cacheRoot === undefined ? defaultCacheRoot() : options.cacheRoot;
    this.cache = (q || converts) && root !== null ? new WeightCache(checkpoint, root) : null;
  }

  /** True when `name` is referenced straight from the checkpoint file. */
  inPlace(name: string): boolean {
    return !this.cache && !this.quantize && this.checkpoint.info(name).dtype === "float32";
  }

  /** The checkpoint tensor `name` as a float32 initializer of `g` (see the header for where it lives). */
  tensor(g: Graph, name: string): Value {
    const info = this.checkpoint.info(name);
    if (this.inPlace(name)) {
      const location = path.relative(this.folder, fs.realpathSync(info.file));
      return g.externalInitializer(name, "float32", info.shape, { location, offset: info.byteOffset, length: info.byteLength });
    }
    const f32Bytes = (info.byteLength / (info.dtype === "float32" ? 4 : 2)) * 4;
    if (this.cache && f32Bytes >= this.embedBelow) return this.external(g, name, this.cache.float32(name, info.shape, () => this.readF32(name)), "float32");
    return g.initializer(name, this.checkpoint.read(name).to("float32"));
  }

  /** y = x W^T (+ b) with W [out, in] as stored: x [..., in] -> [..., out]. */
  linear(g: Graph, x: Value, weight: string, bias?: string | null): Value {
    const [out, inF] = this.checkpoint.info(weight).shape;
    const b = bias ? this.tensor(g, bias) : null; // [out]
    if (this.quantize) {
      const q = { ...this.quantize, ...this.quantize.overrides[weight] };
      if (q.kernel === "dynamic") return dynamicQuantizeMatMul(g, x, this.channelQuantized(g, weight, out, inF), b); // [..., out]
      return matMulNBits(g, x, this.quantized(g, weight, out, inF, q.bits, q.blockSize), b, q.accuracyLevel); // [..., out]
    }
    const w = this.tensor(g, weight); // [out, in]
    if (this.linearKind === "gemm") {
      const x2 = g.op("Reshape", [x, g.constant([-1, inF], "int64", "flat_shape")]); // [N, in]
      const y2 = g.op("Gemm", [x2, w, b], { transB: 1 }); // [N, out]
      const lead = g.op("Shape", [x], { end: -1 }); // [...]
      const shape = g.op("Concat", [lead, g.constant([out], "int64", "out_dim")], { axis: 0 });
      return g.op("Reshape", [y2, shape]); // [..., out]
    }
    const y = g.op("FusedMatMul", [x, w], { transB: 1 }, { domain: MS_DOMAIN }); // [..., out]
    return b ? g.op("Add", [y, b]) : y;
  }

  /**
   * Session options for a model's sessions: ORT finds the external files in the checkpoint's or the
   * cache's folder; the per-session memory arena is off (a model has dozens of sessions and each
   * arena would keep its largest run's buffers for good); prepacking as described in the header.
   */
  sessionOptions(extra: SessionOptions = {}): SessionOptions {
    return { memoryArena: false, disablePrepacking: !this.prepack, ...extra, externalDataFolder: this.cache?.dir ?? this.folder };
  }

  private readF32(name: string): Float32Array {
    return this.checkpoint.read(name).to("float32").data as Float32Array;
  }

  private external(g: Graph, name: string, p: CachedPart, dtype: "float32" | "uint8"): Value {
    return g.externalInitializer(name, dtype, p.shape, { location: p.location, offset: p.offset, length: p.length });
  }

  /** The MatMulNBits initializers of weight `name` [N, K]: from the disk cache, or quantized now. */
  private quantized(g: Graph, name: string, N: number, K: number, bits: QuantBits, blockSize: number) {
    if (!this.cache) {
      const q = quantizeBlockwise(this.readF32(name), N, K, bits, blockSize);
      return { N, K, bits, blockSize, packed: g.initializer(`${name}.packed`, q.packed), scales: g.initializer(`${name}.scales`, q.scales), zeroPoints: g.initializer(`${name}.zero_points`, q.zeroPoints) };
    }
    const c = this.cache.quantized(name, N, K, bits, blockSize, () => this.readF32(name));
    return {
      N, K, bits, blockSize,
      packed: this.external(g, `${name}.packed`, c.packed, "uint8"),
      scales: this.external(g, `${name}.scales`, c.scales, "float32"),
      zeroPoints: this.external(g, `${name}.zero_points`, c.zeroPoints, "uint8"),
    };
  }

  /** The DynamicQuantizeMatMul initializers of weight `name` [N, K]: int8 [K, N] + scales [N]. */
  private channelQuantized(g: Graph, name: string, N: number, K: number): { weight: Value; scales: Value } {
    if (!this.cache) {
      const q = quantizePerChannelInt8(this.readF32(name), N, K);
      return { weight: g.initializer(`${name}.int8`, q.weight, { int8: true }), scales: g.initializer(`${name}.scales`, q.scales) };
    }
    const c = this.cache.channelInt8(name, N, K, () => this.readF32(name));
    const p = c.weight;
    return {
      weight: g.externalInitializer(`${name}.int8`, "uint8", p.shape, { location: p.location, offset: p.offset, length: p.length }, { int8: true }),
      scales: this.external(g, `${name}.scales`, c.scales, "float32"),
    };
  }
}

