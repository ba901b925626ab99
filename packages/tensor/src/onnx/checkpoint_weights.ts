/**
 * checkpoint_weights.ts — put a checkpoint's tensors into ONNX graphs without copying them into JS.
 *
 * Teaches: where a model's weights live while ONNX Runtime runs it. A float32 tensor in a
 * .safetensors file is already exactly what ONNX wants (raw little-endian floats), so a graph can
 * name it as an *external-data initializer*: { location: file name, offset, length } relative to the
 * checkpoint folder, which ORT opens itself (`model_external_initializers_file_folder_path`):
 *   float32 in the file    -> externalInitializer(location = "model.safetensors", offset, length)
 *   bfloat16 / float16     -> converted to float32 once, embedded in the model (ORT's CPU kernels
 *                             have no bf16 MatMul; the JS API has no bf16 tensor type)
 * Nothing is read into JS for float32 checkpoints; ORT maps the file and, with prepacking on (the
 * default), repacks each MatMul weight into its own blocked layout at session creation and then drops
 * the mapping, so the process holds one copy of each weight (measured: DESIGN.md section 4 and
 * packages/paligemma/bench/README.md).
 *
 * Linear layers keep PyTorch's [out, in] layout: y = x W^T + b is ONE node that reads W transposed
 *   "fused"  com.microsoft FusedMatMul(x, W, transB=1) (+ Add b)  any rank of x (default)
 *   "gemm"   Gemm(x2d, W, b, transB=1) around a Reshape pair      2-D only, bias fused
 * so no Transpose node materializes a transposed copy of an external weight at session creation.
 *
 * References: https://onnx.ai/onnx/repo-docs/ExternalData.html ; ORT contrib op FusedMatMul
 * (onnxruntime/core/graph/contrib_ops/contrib_defs.cc); https://onnx.ai/onnx/operators/onnx__Gemm.html
 * With `quantize`, every linear weight becomes int8/int4 MatMulNBits initializers (matmul_nbits.ts),
 * computed once into a disk cache (quantized_weight_cache.ts) and referenced from there.
 * Leaves out: on-disk caching of bf16 -> f32 conversions (they are embedded in the model).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ArgumentError } from "../errors.ts";
import type { Checkpoint } from "../safetensors/checkpoint.ts";
import { type Graph, MS_DOMAIN, type Value } from "./graph.ts";
import { type QuantBits, matMulNBits, quantizeBlockwise } from "./matmul_nbits.ts";
import { QuantizedWeightCache, defaultCacheRoot } from "./quantized_weight_cache.ts";
import type { SessionOptions } from "./session.ts";

export type LinearKind = "fused" | "gemm";

export interface QuantizeOptions {
  bits: QuantBits;
  /** Inputs per quantization block (default 128). */
  blockSize?: number;
  /** MatMulNBits accuracy_level (default 4: int8 activations, VNNI/AMX dot products). */
  accuracyLevel?: number;
  /** Disk cache root (default $PALIGEMMA_CACHE or ~/.cache/paligemma-ts); null = quantize in memory, embed. */
  cacheRoot?: string | null;
}

export interface CheckpointWeightsOptions {
  /** How `linear` multiplies by W^T (default "fused"). */
  linear?: LinearKind;
  /**
   * Weight-only quantization of every `linear` weight (MatMulNBits). Other tensors (norm scales,
   * biases) are then embedded as float32, so a session reads external data from one folder only:
   * the quantized cache.
   */
  quantize?: QuantizeOptions;
}

export class CheckpointWeights {
  /** Folder every shard lives in: external `location`s are relative to it. */
  readonly folder: string;
  readonly linearKind: LinearKind;
  readonly quantize?: Required<Omit<QuantizeOptions, "cacheRoot">> & { cache: QuantizedWeightCache | null };

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
    if (q) {
      const blockSize = q.blockSize ?? 128;
      const root = q.cacheRoot === undefined ? defaultCacheRoot() : q.cacheRoot;
      const cache = root === null ? null : new QuantizedWeightCache(checkpoint, q.bits, blockSize, root);
      this.quantize = { bits: q.bits, blockSize, accuracyLevel: q.accuracyLevel ?? 4, cache };
    }
  }

  /** True when `name` is stored as float32 (so the graph references the file in place). */
  inPlace(name: string): boolean {
    return !this.quantize && this.checkpoint.info(name).dtype === "float32";
  }

  /** The checkpoint tensor `name` as a float32 initializer of `g` (external when stored as float32). */
  tensor(g: Graph, name: string): Value {
    const info = this.checkpoint.info(name);
    if (this.inPlace(name)) {
      const location = path.relative(this.folder, fs.realpathSync(info.file));
      return g.externalInitializer(name, "float32", info.shape, { location, offset: info.byteOffset, length: info.byteLength });
    }
    return g.initializer(name, this.checkpoint.read(name).to("float32"));
  }

  /** y = x W^T (+ b) with W [out, in] as stored: x [..., in] -> [..., out]. */
  linear(g: Graph, x: Value, weight: string, bias?: string | null): Value {
    const [out, inF] = this.checkpoint.info(weight).shape;
    const b = bias ? this.tensor(g, bias) : null; // [out]
    if (this.quantize) return matMulNBits(g, x, this.quantized(g, weight, out, inF), b, this.quantize.accuracyLevel); // [..., out]
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

  /** The MatMulNBits initializers of weight `name` [N, K]: from the disk cache, or quantized now. */
  private quantized(g: Graph, name: string, N: number, K: number) {
    const { bits, blockSize, cache } = this.quantize!;
    const read = () => this.checkpoint.read(name).to("float32").data as Float32Array;
    if (!cache) {
      const q = quantizeBlockwise(read(), N, K, bits, blockSize);
      return { N, K, bits, blockSize, packed: g.initializer(`${name}.packed`, q.packed), scales: g.initializer(`${name}.scales`, q.scales), zeroPoints: g.initializer(`${name}.zero_points`, q.zeroPoints) };
    }
    const c = cache.get(name, N, K, read);
    const ext = (suffix: string, dtype: "uint8" | "float32", p: typeof c.packed) => g.externalInitializer(`${name}.${suffix}`, dtype, p.shape, { location: p.location, offset: p.offset, length: p.length });
    return { N, K, bits, blockSize, packed: ext("packed", "uint8", c.packed), scales: ext("scales", "float32", c.scales), zeroPoints: ext("zero_points", "uint8", c.zeroPoints) };
  }

  /**
   * Session options for a model's sessions: ORT finds the external files in `folder`, and the
   * per-session memory arena is off unless asked for (a model has dozens of sessions; each arena
   * would keep its largest run's buffers for good).
   */
  sessionOptions(extra: SessionOptions = {}): SessionOptions {
    return { memoryArena: false, ...extra, externalDataFolder: this.quantize?.cache?.dir ?? this.folder };
  }
}
