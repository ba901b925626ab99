/**
 * @paligemma-ts/gemma — Gemma and Gemma 2 decoders with a tied LM head.
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
export { gemmaDecoderLayer, gemmaAttention, type LayerContext } from "./decoder_layer.ts";
export { gemma2DecoderLayer } from "./gemma2_decoder_layer.ts";
export { gemmaForward, gemmaEmbed, gemmaLmHead, type GemmaForwardInput, type GemmaForwardOutput, type LogitsWanted, type Trace } from "./model.ts";
export { GemmaForCausalLM } from "./causal_lm.ts";
export { gemmaDecoderLayerGraph, gemmaLmHeadGraph, LAYER_IO } from "./decoder_layer_onnx.ts";
export { GemmaOnnx, rotaryHalfTables, type GemmaOnnxStats } from "./gemma_onnx.ts";
export { EmbeddingRows } from "./embedding_rows.ts";
