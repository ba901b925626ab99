/**
 * tiny_paligemma.ts — the shape of the model this project trains from scratch, as a Hugging Face
 * PaliGemma config.json, and its initial weights under the checkpoint's own names.
 *
 * Teaches: a PaliGemma is a PaliGemma at any size. The tiny one keeps every structural choice of
 * PaliGemma 1 and changes only the numbers (planning evidence: shared/DESIGN.md section 9):
 *   vision  SigLIP: 64 x 64 images, patch 8 -> 64 tokens, width 128, 4 pre-LN blocks, 4 heads, MLP 512
 *   text    Gemma: width 128, 4 layers, 4 query heads sharing 1 key/value head (MQA, as PaliGemma 1),
 *           head_dim 32, gated MLP 512, RMSNorm (1 + w), RoPE, tied embedding / LM head
 *   glue    one Linear projector 128 -> 128, <image> tokens first, prefix-LM attention
 *   vocab   the world's word-level tokenizer (+ the <image> row)
 * ~2M parameters. The config is written exactly as Hugging Face writes one, so `PaliGemma.load`,
 * the CLI and every lesson load the trained model like a downloaded one.
 * Initial weights (GPT-2 / Gemma style): every Linear and embedding N(0, 0.02), biases 0, LayerNorm
 * weight 1 / bias 0, RMSNorm w = 0 (the scale 1 + w starts at 1), position embedding N(0, 0.02).
 *
 * References: Beyer et al., "PaliGemma" (https://arxiv.org/abs/2407.07726); Hugging Face PaliGemmaConfig.
 * Leaves out: Gemma 2 (soft-caps, sandwich norms): the tiny model is PaliGemma 1-shaped.
 */
import { type PaliGemmaConfig, CLASSIC_LAYOUT, paliGemmaConfig, paliGemmaWeightSpecs } from "@paligemma-ts/paligemma";
import { type Rng, Tensor, randNormal } from "@paligemma-ts/tensor";

export interface TinySizes {
  imageSize: number;
  patchSize: number;
  width: number;
  visionLayers: number;
  visionHeads: number;
  visionMlp: number;
  textLayers: number;
  textHeads: number;
  textKvHeads: number;
  headDim: number;
  textMlp: number;
  /** Tokenizer pieces; the <image> token is the id after the last piece, so the table has vocab + 1 rows. */
  pieces: number;
}

export const TINY_SIZES: Readonly<TinySizes> = Object.freeze({
  imageSize: 64, patchSize: 8, width: 128, visionLayers: 4, visionHeads: 4, visionMlp: 512,
  textLayers: 4, textHeads: 4, textKvHeads: 1, headDim: 32, textMlp: 512, pieces: 1492,
});

/** The config.json of a tiny PaliGemma with these sizes (what a checkpoint folder stores). */
export function tinyConfigJson(s: TinySizes = TINY_SIZES): Record<string, unknown> {
  return {
    architectures: ["PaliGemmaForConditionalGeneration"],
    model_type: "paligemma",
    image_token_index: s.pieces,
    projection_dim: s.width,
    hidden_size: s.width,
    pad_token_id: 0,
    bos_token_id: 2,
    eos_token_id: 1,
    vision_config: {
      model_type: "siglip_vision_model", hidden_size: s.width, intermediate_size: s.visionMlp, num_hidden_layers: s.visionLayers,
      num_attention_heads: s.visionHeads, image_size: s.imageSize, patch_size: s.patchSize, layer_norm_eps: 1e-6, hidden_act: "gelu_pytorch_tanh",
    },
    text_config: {
      model_type: "gemma", hidden_size: s.width, intermediate_size: s.textMlp, num_hidden_layers: s.textLayers, num_attention_heads: s.textHeads,
      num_key_value_heads: s.textKvHeads, head_dim: s.headDim, vocab_size: s.pieces + 1, max_position_embeddings: 256, rms_norm_eps: 1e-6,
      hidden_activation: "gelu_pytorch_tanh", pad_token_id: 0, bos_token_id: 2, eos_token_id: 1,
    },
  };
}

/** The parsed config of a tiny PaliGemma. */
export function tinyConfig(s: TinySizes = TINY_SIZES): PaliGemmaConfig {
  return paliGemmaConfig(tinyConfigJson(s));
}

/** Initial weights for every tensor the config needs (classic HF names), see the header. */
export function initialWeights(config: PaliGemmaConfig, rng: Rng, std = 0.02): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const { name, shape } of paliGemmaWeightSpecs(config, CLASSIC_LAYOUT)) {
    let t: Tensor;
    if (name.endsWith(".bias")) t = Tensor.zeros(shape);
    else if (/layer_norm\d?\.weight$|post_layernorm\.weight$/.test(name)) t = Tensor.full(shape, 1); // LayerNorm scale
    else if (/layernorm\.weight$|\.norm\.weight$/.test(name)) t = Tensor.zeros(shape); // Gemma RMSNorm: 1 + w
    else t = randNormal(shape, rng, std);
    out.set(name, t);
  }
  return out;
}

/** Parameters that get weight decay: matrices and tables (rank >= 2), not norms or biases. */
export function decays(name: string, shape: readonly number[]): boolean {
  return shape.length >= 2 && !name.endsWith(".bias");
}
