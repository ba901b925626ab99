/**
 * ops — plain TypeScript reference kernels: readable loops in float32, the oracle every faster
 * (ONNX) kernel is tested against; and beside each one its backward kernel (`<op>_backward.ts`),
 * the oracle of the graph gradients (llm.c style: one free function per layer's backward).
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
export {
  scaledDotProductAttention,
  checkAttentionOptions,
  attentionLayout,
  attentionRowScores,
  softmaxInPlace,
  type AttentionLayout,
  type AttentionOptions,
  type AttentionScoreOptions,
} from "./attention.ts";
export { rotaryEmbedding } from "./rotary_embedding.ts";
export { softCap } from "./soft_cap.ts";
export { embedding } from "./embedding.ts";
// backward kernels (gradients), one beside each forward
export { unbroadcast, broadcastSourceIndex, addBackward, subBackward, mulBackward, divBackward, type BinaryGrads } from "./binary_backward.ts";
export { matmulBackward } from "./matmul_backward.ts";
export { linearBackward, type LinearGrads } from "./linear_backward.ts";
export { embeddingBackward } from "./embedding_backward.ts";
export { layerNormBackward, type NormGrads } from "./layer_norm_backward.ts";
export { rmsNormBackward } from "./rms_norm_backward.ts";
export { pointwiseBackward } from "./pointwise_backward.ts";
export { geluTanhBackward, geluTanhGrad } from "./gelu_tanh_backward.ts";
export { softCapBackward } from "./soft_cap_backward.ts";
export { expBackward } from "./exp_backward.ts";
export { sqrtBackward } from "./sqrt_backward.ts";
export { tanhBackward } from "./tanh_backward.ts";
export { reluBackward } from "./relu_backward.ts";
export { logSigmoidBackward, sigmoidOfNegative } from "./log_sigmoid_backward.ts";
export { softmaxBackward } from "./softmax_backward.ts";
export { logSoftmaxBackward } from "./log_softmax_backward.ts";
export { reduceBackward } from "./reduce_backward.ts";
export { attentionBackward, type AttentionGrads } from "./attention_backward.ts";
export { rotaryEmbeddingBackward } from "./rotary_embedding_backward.ts";
export { conv2dBackward, patchEmbedBackward, type Conv2dGrads } from "./conv2d_backward.ts";
