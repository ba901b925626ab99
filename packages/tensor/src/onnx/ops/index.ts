/**
 * onnx/ops — graph builder functions: each adds the nodes of one op to a `Graph` and returns the
 * output `Value`. `GraphOps` (layer_ops/graph_ops.ts) calls them; a one-op test calls them directly.
 */
export { matMul } from "./matmul.ts";
export { linear, type LinearWeight } from "./linear.ts";
export { softmax } from "./softmax.ts";
export { layerNorm } from "./layer_norm.ts";
export { rmsNorm } from "./rms_norm.ts";
export { geluTanh } from "./gelu_tanh.ts";
export { attention } from "./attention.ts";
export { rotaryEmbedding } from "./rotary_embedding.ts";
export { softCap } from "./soft_cap.ts";
export { patchEmbed } from "./patch_embed.ts";
export { conv2d } from "./conv2d.ts";
export { convTranspose2d } from "./conv_transpose2d.ts";
export { relu } from "./relu.ts";
export { onesLikeLastAxis } from "./ones_like_last_axis.ts";
