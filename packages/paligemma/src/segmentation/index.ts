/**
 * segmentation — PaliGemma's mask decoder (a VQ-VAE decoder written against Ops), its loader, and
 * "segment" answers turned into objects with masks.
 */
export { CODE_GRID, MASK_SIDE, VQVAE_WEIGHTS, vqvaeDecoder, vqvaeDecoderBlock, vqvaeWeightSpecs } from "./vqvae_decoder.ts";
export { MaskDecoder, MaskDecoderError, checkMaskDecoderWeights, defaultMaskDecoderPath, readMaskDecoderWeights, type MaskDecoderOptions } from "./mask_decoder.ts";
export { segmentObjects, type SegmentedObject } from "./segment_objects.ts";
