/**
 * dual_encoder.ts — stage 0 of PaliGemma's recipe, tiny: an image tower and a text tower trained so
 * that a scene and its caption land on nearby unit vectors (contrastive pretraining).
 *
 * Teaches: the image tower IS the tiny PaliGemma's SigLIP (the same blocks under the same names, so
 * its weights initialize stage 1 as the real PaliGemma starts from a SigLIP checkpoint); the text
 * tower is a small transformer encoder built from the same encoder layer:
 *   image:  v = siglip(pixels)  [B, N, D] -> mean over patches [B, D] -> W_img v        [B, E]
 *   text:   u = E_txt[ids] + P[0..L)  [B, L, D] -> 2 encoder layers -> last position [B, D] -> W_txt u
 *           (SigLIP's text model: fixed length, right padding attended like any token, last token pooled)
 * then CLIP's or SigLIP's loss on the [B, E] pairs (contrastive_losses.ts).
 * Zero-shot classification: embed one caption per class ("a red circle", ...), pick the class whose
 * caption is most similar to the image.
 *
 * References: Zhai et al. 2023 (SigLIP); Radford et al. 2021 (CLIP); Hugging Face SiglipTextTransformer.
 * Leaves out: SigLIP's attention-pooling (MAP) head (mean pooling here), the text model's final layer norm.
 */
import { siglipBlocks, siglipEncoderLayer, type SiglipVisionConfig, siglipVisionConfig } from "@paligemma-ts/siglip";
import type { Ops } from "@paligemma-ts/tensor";
import type { LayerNormParams, SiglipEncoderLayerWeights } from "@paligemma-ts/siglip";

export const TEXT_PREFIX = "text_model.";
export const HEAD_NAMES = { image: "image_head.weight", text: "text_head.weight", logScale: "logit_scale", bias: "logit_bias" } as const;

export interface DualEncoderConfig {
  vision: SiglipVisionConfig;
  vocab: number;
  /** Caption slots (right-padded). */
  textLength: number;
  textLayers: number;
  /** Embedding width of the shared space. */
  embed: number;
}

/** The text tower's encoder config (the vision tower's widths and heads). */
function textEncoderConfig(c: DualEncoderConfig): SiglipVisionConfig {
  return siglipVisionConfig({ ...c.vision, num_hidden_layers: c.textLayers });
}

function layerNames(prefix: string): SiglipEncoderLayerWeights {
  const lin = (n: string) => ({ weight: `${prefix}${n}.weight`, bias: `${prefix}${n}.bias` });
  const ln = (n: string): LayerNormParams => ({ weight: `${prefix}${n}.weight`, bias: `${prefix}${n}.bias` });
  return {
    layer_norm1: ln("layer_norm1"), layer_norm2: ln("layer_norm2"),
    self_attn: { q: lin("self_attn.q_proj"), k: lin("self_attn.k_proj"), v: lin("self_attn.v_proj"), o: lin("self_attn.out_proj") },
    mlp: { fc1: lin("mlp.fc1"), fc2: lin("mlp.fc2") },
  };
}

/** Every parameter of the text tower and the heads, with its shape (the image tower's are SigLIP's). */
export function dualEncoderExtraSpecs(c: DualEncoderConfig): { name: string; shape: number[] }[] {
  const D = c.vision.hidden_size;
  const I = c.vision.intermediate_size;
  const specs = [
    { name: `${TEXT_PREFIX}embeddings.token_embedding.weight`, shape: [c.vocab, D] },
    { name: `${TEXT_PREFIX}embeddings.position_embedding.weight`, shape: [c.textLength, D] },
    { name: HEAD_NAMES.image, shape: [c.embed, D] },
    { name: HEAD_NAMES.text, shape: [c.embed, D] },
    { name: HEAD_NAMES.logScale, shape: [1] },
    { name: HEAD_NAMES.bias, shape: [1] },
  ];
  for (let i = 0; i < c.textLayers; i++) {
    const l = `${TEXT_PREFIX}encoder.layers.${i}.`;
    for (const n of ["layer_norm1", "layer_norm2"]) specs.push({ name: `${l}${n}.weight`, shape: [D] }, { name: `${l}${n}.bias`, shape: [D] });
    for (const n of ["q_proj", "k_proj", "v_proj", "out_proj"]) specs.push({ name: `${l}self_attn.${n}.weight`, shape: [D, D] }, { name: `${l}self_attn.${n}.bias`, shape: [D] });
    specs.push({ name: `${l}mlp.fc1.weight`, shape: [I, D] }, { name: `${l}mlp.fc1.bias`, shape: [I] }, { name: `${l}mlp.fc2.weight`, shape: [D, I] }, { name: `${l}mlp.fc2.bias`, shape: [D] });
  }
  return specs;
}

/** pixels [B, 3, S, S] -> image embeddings [B, E] (SigLIP blocks under `visionPrefix`, mean-pooled). */
export function imageEmbeddings<T>(ops: Ops<T>, c: DualEncoderConfig, visionPrefix: string, pixels: T): T {
  const [embed, ...rest] = siglipBlocks(c.vision, visionPrefix);
  const post = rest.pop()!;
  let v = embed.forward(ops, { pixel_values: pixels }).hidden_states; // [B, N, D]
  for (const layer of rest) v = layer.forward(ops, { hidden_states: v }).hidden_states_out;
  v = post.forward(ops, { hidden_states: v }).last_hidden_state;
  return ops.linear(ops.reduceMean(v, [1]), { weight: HEAD_NAMES.image }); // [B, E]
}

/** ids [B, L] int64 -> text embeddings [B, E] (last position pooled). */
export function textEmbeddings<T>(ops: Ops<T>, c: DualEncoderConfig, ids: T): T {
  const tc = textEncoderConfig(c);
  let u = ops.add(ops.gather(ops.param(`${TEXT_PREFIX}embeddings.token_embedding.weight`), ids), ops.param(`${TEXT_PREFIX}embeddings.position_embedding.weight`)); // [B, L, D]
  for (let i = 0; i < c.textLayers; i++) u = siglipEncoderLayer(ops, tc, layerNames(`${TEXT_PREFIX}encoder.layers.${i}.`), u);
  const last = ops.reshape(ops.slice(u, 1, c.textLength - 1, c.textLength), [0, -1]); // [B, D]
  return ops.linear(last, { weight: HEAD_NAMES.text }); // [B, E]
}
