/**
 * @paligemma-ts/gemma — Gemma and Gemma 2 decoders with a tied LM head, each layer written once
 * against `Ops`.
 */
export {
  gemmaConfig,
  eosTokenIds,
  attentionScale,
  slidingWindowOf,
  embeddingNormalizer,
  GEMMA_DEFAULTS,
  GEMMA2_DEFAULTS,
  type GemmaConfig,
  type Gemma2Config,
  type GemmaTextConfig,
} from "./config.ts";
export { gemmaWeightSpecs, gemmaWeights, PALIGEMMA_TEXT_PREFIX, type GemmaWeights, type GemmaLayerWeights } from "./weights.ts";
export { gemmaDecoderLayer, gemmaAttention, type DecoderLayerContext, type DecoderLayerOutput } from "./decoder_layer.ts";
export { gemma2DecoderLayer } from "./gemma2_decoder_layer.ts";
export { GemmaModel, gemmaBlocks, gemmaLmHead, type GemmaForwardInput, type GemmaStats, type LogitsWanted } from "./model.ts";
export { GemmaForCausalLM } from "./causal_lm.ts";
