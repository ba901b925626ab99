/**
 * onnx — the ONNX kernel runtime: a protobuf writer for the ONNX subset we emit, a readable graph
 * builder, op builder functions (`onnxOps`), execution-provider selection, a session cache, and the
 * ways checkpoint weights become graph initializers (in place, cached, quantized).
 *
 * The op builders live under the `onnxOps` namespace because the reference ops (`softmax`,
 * `layerNorm`, ...) already own those names at the package root.
 */
export * from "./onnx_proto.ts";
export * from "./graph.ts";
export * from "./execution_provider.ts";
export * from "./session.ts";
export * from "./checkpoint_weights.ts";
export * from "./matmul_nbits.ts";
export * from "./dynamic_quantize_matmul.ts";
export * from "./weight_cache.ts";
export * from "./cache_file.ts";
export { ConvertPool, type MakeJob, type CrcJob } from "./convert_pool.ts";
export * from "./weight_cache_admin.ts";
export * as onnxOps from "./ops/index.ts";
