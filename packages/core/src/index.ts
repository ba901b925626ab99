// @paligemma-ts/core
// sampling: greedy, temperature, top-k, top-p, sampleToken
export { greedy } from "./sampling/greedy.ts";
export { applyTemperature } from "./sampling/temperature.ts";
export { topKFilter } from "./sampling/top_k.ts";
export { topPFilter } from "./sampling/top_p.ts";
export { sampleFromLogits, softmaxProbs } from "./sampling/categorical.ts";
export { sampleToken, isGreedy, validateSamplingOptions, type SamplingOptions } from "./sampling/sampling.ts";
// losses: cross-entropy, CLIP, SigLIP
export { crossEntropy, type CrossEntropyOptions, type Reduction } from "./losses/cross_entropy.ts";
export { l2NormalizeRows, similarityLogits } from "./losses/similarity_logits.ts";
export { clipLoss } from "./losses/clip_loss.ts";
export { siglipLoss, softplus, logSigmoid } from "./losses/siglip_loss.ts";
