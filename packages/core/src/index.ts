// @paligemma-ts/core — building blocks above the tensor layer: layers written once against `Ops`,
// RoPE tables, masks, the KV cache, sampling, losses, config helpers.
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
export { siglipLoss } from "./losses/siglip_loss.ts";
// loss gradients, one beside each loss
export { crossEntropyBackward } from "./losses/cross_entropy_backward.ts";
export { l2NormalizeRowsBackward, similarityLogitsBackward, type SimilarityLogitsGrads } from "./losses/similarity_logits_backward.ts";
export { clipLossBackward } from "./losses/clip_loss_backward.ts";
export { siglipLossBackward } from "./losses/siglip_loss_backward.ts";
// layers (against Ops): attention (MHA/MQA/GQA), MLPs, the tied head; RoPE tables, masks, KV cache
export { tiedLmHead, tokenRows, type TokenIds } from "./embedding.ts";
export { rotaryInvFreq, rotaryTables, type RotaryTables } from "./rotary_embedding.ts";
export { attentionMask, causalMask, bidirectionalMask, prefixLmMask, slidingWindowMask, type AttentionMaskOptions } from "./attention_mask.ts";
export { selfAttention, type AttentionWeights, type AttentionContext } from "./attention.ts";
export { KVCache, LayerKVCache, type KVCacheShape } from "./kv_cache.ts";
export { KVRowTable } from "./kv_row_table.ts";
export { gatedMlp, type GatedMlpWeights } from "./gated_mlp.ts";
export { mlp, type MlpWeights } from "./mlp.ts";
export { ConfigError, withDefaults, requirePositiveInt, requirePositiveNumber, requirePositiveOrNull, requireTokenId, MAX_CONFIG_INT } from "./model_config.ts";
export { type WeightSpec } from "./weight_spec.ts";
