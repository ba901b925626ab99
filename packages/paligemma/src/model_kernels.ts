/**
 * model_kernels.ts — the kernels a loaded PaliGemma runs on: the reference ones on weights read into
 * memory, or the ONNX ones on weights bound in place (memory-mapped, cached, quantized by plan).
 *
 * Teaches: the only difference between "the readable spec" and "the fast path" once every layer is
 * written against Ops is this one choice:
 *   backend "reference"   every expected tensor read into JS as float32 (bf16/f16 widened once), then
 *                         ReferenceKernels: each block runs the plain-TS kernels, CPU only
 *   backend "onnx"        CheckpointWeights binds each tensor where it lies (external data into the
 *                         .safetensors; a disk cache for widened / quantized forms) following the
 *                         per-linear plan of `dtype` (quantization_plan.ts), then OnnxKernels: one
 *                         onnxruntime session per block, on `device`; the cache entries are made
 *                         up front on a worker per core (tensor's convert_pool.ts)
 *
 * Reference: @paligemma-ts/tensor layer_ops/kernels.ts (the two kernel sets), onnx/checkpoint_weights.ts.
 */
import { ArgumentError, type CacheProblem, CheckpointWeights, type ConvertProgress, type Device, type Kernels, type LinearPlan, OnnxKernels, checkpointKernels } from "@paligemma-ts/tensor";
import { type LoadProgress, paliGemmaWeightSpecs } from "./load.ts";
import type { OpenedPaliGemma } from "./open.ts";
import { type WeightDType, checkWeightDType, quantizationPlan } from "./quantization_plan.ts";

export type BackendName = Kernels["kind"];

export interface KernelOptions {
  /** "onnx" (default: fused onnxruntime sessions) or "reference" (plain TypeScript, the spec). */
  backend?: BackendName;
  /** "cpu" (default) or "cuda" (ONNX only; the reference kernels always run on the CPU and say so once on stderr). */
  device?: Device;
  /** Intra-op threads per ONNX session (default $PALIGEMMA_THREADS or one per core). */
  threads?: number;
  /** ONNX weights: "f32" (default, exact), "int8", "int8-lowmem" or "int4" (quantization_plan.ts). */
  dtype?: WeightDType;
  /** An explicit per-linear plan instead of `dtype`'s (experiments, the bench). */
  plan?: LinearPlan;
  /** Disk cache for widened / quantized weights (default $PALIGEMMA_CACHE or ~/.cache/paligemma-ts). */
  cacheRoot?: string;
  /**
   * ONNX: how bf16/f16 weights become float32 on the float path: "cache" (default: widened once into
   * the disk cache, then memory-mapped), "fold" (widened in memory at every start), "cast" (widened on
   * every call). Measured in bench/README.md; tensor's checkpoint_weights.ts explains each.
   */
  halfToFloat?: "cache" | "fold" | "cast";
  onProgress?: (e: LoadProgress) => void;
}

/** The kernels of a model and the checksum check of its weight cache (ONNX; see PaliGemma.load). */
export interface ModelKernels {
  kernels: Kernels;
  /** Resolves with the cache files that failed their checksum (deleted and named on stderr); [] when none. */
  verified: Promise<CacheProblem[]>;
}

/**
 * The kernels for an opened model folder (see the header). ONNX: every cache entry the model needs is
 * queued on a worker per core (progress stage "convert"), in compile order, and each block's session
 * is created as soon as its entries are written; entries already on disk are checksummed on those
 * workers meanwhile (`verified`).
 */
export async function modelKernels(opened: OpenedPaliGemma, options: KernelOptions = {}): Promise<ModelKernels> {
  const backend = options.backend ?? "onnx";
  if (backend !== "reference" && backend !== "onnx") throw new ArgumentError(`PaliGemma.load: backend must be "reference" or "onnx", got ${JSON.stringify(backend)}`);
  const device = options.device ?? "cpu";
  if (device !== "cpu" && device !== "cuda") throw new ArgumentError(`PaliGemma.load: device must be "cpu" or "cuda", got ${JSON.stringify(device)}`);
  const dtype = options.dtype ?? "f32";
  checkWeightDType(dtype, "PaliGemma.load: dtype");
  if (backend === "reference") {
    if (dtype !== "f32" || options.plan) throw new ArgumentError(`PaliGemma.load: dtype "${dtype}" needs backend "onnx" (the reference kernels are float32)`);
    if (device === "cuda") noteReferenceIgnoresCuda();
    const names = compileOrder(opened);
    const kernels = checkpointKernels("reference", opened.checkpoint, { names, onRead: (loaded, total, name) => options.onProgress?.({ stage: "weights", loaded, total, name }) });
    return { kernels, verified: Promise.resolve([]) };
  }
  const plan = options.plan ?? quantizationPlan(dtype, opened.config, opened.layout);
  // Not checkpointKernels("onnx"): the weights are prepared (cache entries queued on the workers) before
  // any session is compiled, and their checksum check is handed to the caller.
  const weights = new CheckpointWeights(opened.checkpoint, { plan, cacheRoot: options.cacheRoot, halfToFloat: options.halfToFloat });
  const onProgress = options.onProgress && ((p: ConvertProgress) => options.onProgress!({ stage: "convert", loaded: p.doneBytes, total: p.totalBytes, name: p.name, bytesPerSecond: p.bytesPerSecond }));
  await weights.prepare({ names: compileOrder(opened), onProgress });
  return { kernels: new OnnxKernels(weights, { device, threads: options.threads }, () => weights.close()), verified: weights.verified };
}

/** The model's tensor names in the order PaliGemma.load compiles: the decoder (LM head first), then the vision tower and projector. */
function compileOrder(opened: OpenedPaliGemma): string[] {
  return paliGemmaWeightSpecs(opened.config, opened.layout)
    .map((s) => s.name)
    .sort((a, b) => Number(b.startsWith(opened.layout.text)) - Number(a.startsWith(opened.layout.text)));
}

/** The reference kernels are plain TypeScript on the CPU: say once per process that they ignore "cuda". */
let notedReferenceCuda = false;
function noteReferenceIgnoresCuda(): void {
  if (notedReferenceCuda) return;
  notedReferenceCuda = true;
  process.stderr.write("paligemma: the reference backend is plain TypeScript and runs on the CPU; it ignores --device cuda\n");
}
