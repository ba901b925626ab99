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
 *                         onnxruntime session per block, on `device`
 *
 * Reference: @paligemma-ts/tensor layer_ops/kernels.ts (the two kernel sets), onnx/checkpoint_weights.ts.
 */
import { ArgumentError, type Device, type Kernels, type LinearPlan, checkpointKernels } from "@paligemma-ts/tensor";
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
  onProgress?: (e: LoadProgress) => void;
}

/** The kernels for an opened model folder (see the header). */
export function modelKernels(opened: OpenedPaliGemma, options: KernelOptions = {}): Kernels {
  const backend = options.backend ?? "onnx";
  if (backend !== "reference" && backend !== "onnx") throw new ArgumentError(`PaliGemma.load: backend must be "reference" or "onnx", got ${JSON.stringify(backend)}`);
  const device = options.device ?? "cpu";
  if (device !== "cpu" && device !== "cuda") throw new ArgumentError(`PaliGemma.load: device must be "cpu" or "cuda", got ${JSON.stringify(device)}`);
  const dtype = options.dtype ?? "f32";
  checkWeightDType(dtype, "PaliGemma.load: dtype");
  if (backend === "reference") {
    if (dtype !== "f32" || options.plan) throw new ArgumentError(`PaliGemma.load: dtype "${dtype}" needs backend "onnx" (the reference kernels are float32)`);
    if (device === "cuda") noteReferenceIgnoresCuda();
    const names = paliGemmaWeightSpecs(opened.config, opened.layout).map((s) => s.name);
    return checkpointKernels("reference", opened.checkpoint, { names, onRead: (loaded, total, name) => options.onProgress?.({ stage: "weights", loaded, total, name }) });
  }
  const plan = options.plan ?? quantizationPlan(dtype, opened.config, opened.layout);
  return checkpointKernels("onnx", opened.checkpoint, { plan, cacheRoot: options.cacheRoot, session: { device, threads: options.threads } });
}

/** The reference kernels are plain TypeScript on the CPU: say once per process that they ignore "cuda". */
let notedReferenceCuda = false;
function noteReferenceIgnoresCuda(): void {
  if (notedReferenceCuda) return;
  notedReferenceCuda = true;
  process.stderr.write("paligemma: the reference backend is plain TypeScript and runs on the CPU; it ignores --device cuda\n");
}
