/**
 * @paligemma-ts/siglip — the SigLIP vision tower (patch embedding, pre-LN encoder, post-layernorm),
 * each block written once against `Ops`.
 */
export { siglipVisionConfig, numPatches, SIGLIP_VISION_DEFAULTS, MAX_IMAGE_SIZE, type SiglipVisionConfig } from "./config.ts";
export { siglipWeightSpecs, siglipWeights, PALIGEMMA_VISION_PREFIX, type SiglipVisionWeights, type SiglipEncoderLayerWeights, type LayerNormParams } from "./weights.ts";
export { siglipEmbeddings } from "./embeddings.ts";
export { siglipEncoderLayer } from "./encoder_layer.ts";
export { SiglipVisionModel, siglipBlocks } from "./vision_tower.ts";
