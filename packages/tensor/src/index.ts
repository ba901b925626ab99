/**
 * @paligemma-ts/tensor — the bottom layer: Tensor, dtypes, reference ops, safetensors, ONNX runtime.
 */
export * from "./dtype.ts";
export * from "./errors.ts";
export * from "./tensor.ts";
export * from "./random.ts";
export { FileError, errorReason, fileKind, openRegularFile, readRegularFile, readRegularFileAsync } from "./regular_file.ts";
export { formatTensor } from "./format.ts";
export { assertFinite, firstNonFinite } from "./finite.ts";
export * from "./ops/index.ts";
export * from "./testing.ts";
export { runIsolated, reportProgress, type IsolatedResult } from "./isolated.ts";
export { fuzz, fuzzCases, fuzzTimeLimitMs, runFuzzIsolated, caseRng, mutateBytes, mutateJson, type FuzzTarget, type FuzzReport, type FuzzFinding } from "./fuzz.ts";
export * from "./safetensors/index.ts";
export * from "./onnx/index.ts";
export * from "./layer_ops/index.ts";
export * from "./autodiff/index.ts";
export * from "./optim/index.ts";
export * from "./numpy/index.ts";
