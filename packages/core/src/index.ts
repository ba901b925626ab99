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
// layers: linear, embedding, norms, RoPE, masks, attention (MHA/MQA/GQA), KV cache, MLPs
export { linear, linearShape, type LinearParams } from "./linear.ts";
export { embedding, tiedLmHead, type TokenIds } from "./embedding.ts";
export { layerNorm, type LayerNormParams } from "./layer_norm.ts";
export { rmsNorm } from "./rms_norm.ts";
export { softCap } from "./soft_cap.ts";
export { rotaryInvFreq, rotaryTables, applyRotary, type RotaryTables } from "./rotary_embedding.ts";
export { attentionMask, causalMask, bidirectionalMask, prefixLmMask, slidingWindowMask, withSlidingWindow, type AttentionMaskOptions } from "./attention_mask.ts";
export { selfAttention, type AttentionWeights, type AttentionOptions } from "./attention.ts";
export { KVCache, LayerKVCache, type KVCacheShape } from "./kv_cache.ts";
export { gatedMlp, type GatedMlpWeights } from "./gated_mlp.ts";
export { mlp, type MlpWeights } from "./mlp.ts";
export { ConfigError, withDefaults, requirePositiveInt, requirePositiveNumber, requirePositiveOrNull, requireTokenId, MAX_CONFIG_INT } from "./model_config.ts";
export { type WeightSpec, type WeightGetter } from "./weight_spec.ts";
