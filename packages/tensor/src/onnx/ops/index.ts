/**
 * onnx/ops — graph builder functions: each adds the nodes of one op to a `Graph` and returns the
 * output `Value`. The same functions build a one-op graph for a test and a whole fused layer.
 */
export { matMul } from "./matmul.ts";
export { linear } from "./linear.ts";
export { softmax } from "./softmax.ts";
export { layerNorm } from "./layer_norm.ts";
export { rmsNorm } from "./rms_norm.ts";
export { geluTanh } from "./gelu_tanh.ts";
export { attention, type AttentionOptions } from "./attention.ts";
export { patchEmbed } from "./patch_embed.ts";
export { onesLikeLastAxis } from "./ones_like_last_axis.ts";
