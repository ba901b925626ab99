/**
 * @paligemma-ts/tensor — the bottom layer: Tensor, dtypes, reference ops, safetensors, ONNX runtime.
 */
export * from "./dtype.ts";
export * from "./errors.ts";
export * from "./tensor.ts";
export * from "./random.ts";
export { formatTensor } from "./format.ts";
export * from "./ops/index.ts";
export * from "./testing.ts";
export * from "./safetensors/index.ts";
export * from "./onnx/index.ts";
export * from "./layer_ops/index.ts";
export * from "./numpy/index.ts";
