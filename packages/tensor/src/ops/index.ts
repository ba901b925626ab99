/**
 * ops — plain TypeScript reference kernels: readable loops in float32, the oracle every faster
 * (ONNX) kernel is tested against.
 */
export { axisLayout, reducedShape, type AxisLayout } from "./axis.ts";
export { broadcastShapes, broadcastStrides, add, sub, mul, div } from "./binary.ts";
export { matmul } from "./matmul.ts";
export { linear } from "./linear.ts";
export { exp } from "./exp.ts";
export { tanh } from "./tanh.ts";
export { sqrt } from "./sqrt.ts";
export { logSigmoid, softplus } from "./log_sigmoid.ts";
export { geluTanh, geluTanhScalar } from "./gelu_tanh.ts";
export { softmax } from "./softmax.ts";
export { logSoftmax } from "./log_softmax.ts";
export { logsumexp } from "./logsumexp.ts";
export { layerNorm } from "./layer_norm.ts";
export { rmsNorm } from "./rms_norm.ts";
export { conv2d, convPair, type Conv2dOptions } from "./conv2d.ts";
export { convTranspose2d, type ConvTranspose2dOptions } from "./conv_transpose2d.ts";
export { relu } from "./relu.ts";
export { sum, mean, max, argmax, reduceAxes } from "./reduce.ts";
export { topk } from "./topk.ts";
export { scaledDotProductAttention, checkAttentionOptions, type AttentionOptions, type AttentionScoreOptions } from "./attention.ts";
export { rotaryEmbedding } from "./rotary_embedding.ts";
export { softCap } from "./soft_cap.ts";
export { embedding } from "./embedding.ts";
