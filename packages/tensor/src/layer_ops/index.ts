/**
 * layer_ops — one definition per layer: the `Ops` interface, its eager (reference) and graph (ONNX)
 * implementations, and blocks compiled by either kernel set.
 */
export type { Ops, LinearParams } from "./ops.ts";
export { EagerOps, mergeHeads, splitHeads, type ParamGetter } from "./eager_ops.ts";
export { GraphOps, TensorParams, type GraphParams } from "./graph_ops.ts";
export { InputParams } from "./input_params.ts";
export { compileBlocks, type Block, type BlockInput, type BlockRunner, type Kernels, type Trace } from "./block.ts";
export { OnnxKernels, ReferenceKernels, blockGraph, checkpointKernels, runOps, runOpsMany, type CheckpointKernelOptions, type OpsFn } from "./kernels.ts";
