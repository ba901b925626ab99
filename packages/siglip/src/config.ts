/**
 * config.ts — SigLIP vision tower configuration, with Hugging Face `SiglipVisionConfig` defaults.
 *
 * Teaches: which numbers define a ViT. The image (image_size^2 pixels) is cut into
 * (image_size / patch_size)^2 patches; each becomes one hidden_size-dim token; num_hidden_layers
 * pre-LN blocks with num_attention_heads heads of hidden_size / num_attention_heads dims each follow.
 * Defaults are the Python class's (siglip-base-patch16-224): a PaliGemma config.json leaves out
 * `image_size` (224) and `layer_norm_eps` (1e-6) and relies on them. Note the class default
 * patch_size is 16; every PaliGemma checkpoint states its 14 explicitly.
 *
 * Ranges (checked, naming the field): every size is a positive integer, image_size at most
 * MAX_IMAGE_SIZE and a multiple of patch_size, layer_norm_eps finite and > 0.
 *
 * Reference: Hugging Face transformers `SiglipVisionConfig` (models/siglip/configuration_siglip.py).
 * Leaves out: the pooling head (`vision_use_head`, unused by PaliGemma).
 */
import { ConfigError, requirePositiveInt, requirePositiveNumber, withDefaults } from "@paligemma-ts/core";

export interface SiglipVisionConfig {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_channels: number;
  image_size: number;
  patch_size: number;
  hidden_act: string;
  layer_norm_eps: number;
}

export const SIGLIP_VISION_DEFAULTS: Readonly<SiglipVisionConfig> = Object.freeze({
  hidden_size: 768,
  intermediate_size: 3072,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  num_channels: 3,
  image_size: 224,
  patch_size: 16,
  hidden_act: "gelu_pytorch_tanh",
  layer_norm_eps: 1e-6,
});

/**
 * The largest image_size accepted: the preprocessed input is 3 x image_size^2 float32 values, 805 MB
 * at 8192 (PaliGemma uses 224, 448 and 896).
 */
export const MAX_IMAGE_SIZE = 8192;

/** Activations that are GELU's tanh approximation (the only one this tower implements). */
const TANH_GELU = ["gelu_pytorch_tanh", "gelu_fast", "gelu_new"];

/** Parse a `vision_config` object, filling defaults and checking that the shapes are consistent. */
export function siglipVisionConfig(json?: Record<string, unknown> | null, where = "vision_config"): SiglipVisionConfig {
  const c = withDefaults(json, { ...SIGLIP_VISION_DEFAULTS }, where);
  for (const k of ["hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_channels", "patch_size"] as const) {
    requirePositiveInt(c[k], `${where}.${k}`);
  }
  requirePositiveInt(c.image_size, `${where}.image_size`, MAX_IMAGE_SIZE);
  requirePositiveNumber(c.layer_norm_eps, `${where}.layer_norm_eps`);
  if (c.image_size % c.patch_size !== 0) throw new ConfigError(`${where}: image_size ${c.image_size} is not a multiple of patch_size ${c.patch_size}`);
  if (c.hidden_size % c.num_attention_heads !== 0) {
    throw new ConfigError(`${where}: hidden_size ${c.hidden_size} is not a multiple of num_attention_heads ${c.num_attention_heads}`);
  }
  if (!TANH_GELU.includes(c.hidden_act)) throw new ConfigError(`${where}.hidden_act "${c.hidden_act}" is not supported (expected one of ${TANH_GELU.join(", ")})`);
  return c;
}

/** Patches (= image tokens) per image: (image_size / patch_size)^2. */
export function numPatches(c: SiglipVisionConfig): number {
  return (c.image_size / c.patch_size) ** 2;
}
