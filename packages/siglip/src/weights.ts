/**
 * weights.ts — the SigLIP vision tower's checkpoint tensors, under their Hugging Face names.
 *
 * Teaches: the parameter inventory of a ViT, and that names mirror the PyTorch module tree (layers
 * refer to their weights by these names; which memory holds them is the kernels' business):
 *   {prefix}embeddings.patch_embedding.{weight [D, C, P, P], bias [D]}
 *   {prefix}embeddings.position_embedding.weight [N, D]
 *   {prefix}encoder.layers.{i}.layer_norm1 / layer_norm2 .{weight, bias} [D]
 *   {prefix}encoder.layers.{i}.self_attn.{q,k,v,out}_proj.{weight [D, D], bias [D]}
 *   {prefix}encoder.layers.{i}.mlp.fc1.{weight [I, D], bias [I]}, fc2.{weight [D, I], bias [D]}
 *   {prefix}post_layernorm.{weight, bias} [D]
 * PaliGemma's prefix is "vision_tower.vision_model."; a standalone SigLIP uses "vision_model.".
 *
 * Reference: Hugging Face transformers `SiglipVisionTransformer` (models/siglip/modeling_siglip.py).
 */
import type { AttentionWeights, MlpWeights, WeightSpec } from "@paligemma-ts/core";
import type { LinearParams } from "@paligemma-ts/tensor";
import { type SiglipVisionConfig, numPatches } from "./config.ts";

export const PALIGEMMA_VISION_PREFIX = "vision_tower.vision_model.";

/** The names of one nn.LayerNorm's weight and bias. */
export interface LayerNormParams {
  weight: string;
  bias: string;
}

export interface SiglipEncoderLayerWeights {
  layer_norm1: LayerNormParams;
  self_attn: AttentionWeights;
  layer_norm2: LayerNormParams;
  mlp: MlpWeights;
}

export interface SiglipVisionWeights {
  patch_embedding: LinearParams & { bias: string };
  position_embedding: string;
  layers: SiglipEncoderLayerWeights[];
  post_layernorm: LayerNormParams;
}

/** Every tensor the tower needs, with its shape. */
export function siglipWeightSpecs(c: SiglipVisionConfig, prefix = PALIGEMMA_VISION_PREFIX): WeightSpec[] {
  const D = c.hidden_size;
  const I = c.intermediate_size;
  const P = c.patch_size;
  const specs: WeightSpec[] = [
    { name: `${prefix}embeddings.patch_embedding.weight`, shape: [D, c.num_channels, P, P] },
    { name: `${prefix}embeddings.patch_embedding.bias`, shape: [D] },
    { name: `${prefix}embeddings.position_embedding.weight`, shape: [numPatches(c), D] },
  ];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const l = `${prefix}encoder.layers.${i}.`;
    for (const n of ["layer_norm1", "layer_norm2"]) specs.push({ name: `${l}${n}.weight`, shape: [D] }, { name: `${l}${n}.bias`, shape: [D] });
    for (const n of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
      specs.push({ name: `${l}self_attn.${n}.weight`, shape: [D, D] }, { name: `${l}self_attn.${n}.bias`, shape: [D] });
    }
    specs.push(
      { name: `${l}mlp.fc1.weight`, shape: [I, D] },
      { name: `${l}mlp.fc1.bias`, shape: [I] },
      { name: `${l}mlp.fc2.weight`, shape: [D, I] },
      { name: `${l}mlp.fc2.bias`, shape: [D] },
    );
  }
  specs.push({ name: `${prefix}post_layernorm.weight`, shape: [D] }, { name: `${prefix}post_layernorm.bias`, shape: [D] });
  return specs;
}

/** The tower's weight names under `prefix` (as in siglipWeightSpecs). */
export function siglipWeights(c: SiglipVisionConfig, prefix = PALIGEMMA_VISION_PREFIX): SiglipVisionWeights {
  const lin = (n: string): LinearParams => ({ weight: `${n}.weight`, bias: `${n}.bias` });
  const ln = (n: string): LayerNormParams => ({ weight: `${n}.weight`, bias: `${n}.bias` });
  return {
    patch_embedding: { weight: `${prefix}embeddings.patch_embedding.weight`, bias: `${prefix}embeddings.patch_embedding.bias` },
    position_embedding: `${prefix}embeddings.position_embedding.weight`,
    layers: Array.from({ length: c.num_hidden_layers }, (_, i) => {
      const l = `${prefix}encoder.layers.${i}.`;
      return {
        layer_norm1: ln(`${l}layer_norm1`),
        self_attn: { q: lin(`${l}self_attn.q_proj`), k: lin(`${l}self_attn.k_proj`), v: lin(`${l}self_attn.v_proj`), o: lin(`${l}self_attn.out_proj`) },
        layer_norm2: ln(`${l}layer_norm2`),
        mlp: { fc1: lin(`${l}mlp.fc1`), fc2: lin(`${l}mlp.fc2`) },
      };
    }),
    post_layernorm: ln(`${prefix}post_layernorm`),
  };
}
