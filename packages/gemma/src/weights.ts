/**
 * weights.ts — Gemma / Gemma 2 checkpoint tensors under their Hugging Face names.
 *
 *   {prefix}embed_tokens.weight                                   [V, H]   (also the LM head: tied)
 *   {prefix}layers.{i}.input_layernorm.weight                     [H]
 *   {prefix}layers.{i}.self_attn.q_proj.weight                    [heads * head_dim, H]
 *   {prefix}layers.{i}.self_attn.{k,v}_proj.weight                [kv_heads * head_dim, H]
 *   {prefix}layers.{i}.self_attn.o_proj.weight                    [H, heads * head_dim]
 *   {prefix}layers.{i}.post_attention_layernorm.weight            [H]
 *   {prefix}layers.{i}.pre_feedforward_layernorm.weight           [H]   (Gemma 2 only)
 *   {prefix}layers.{i}.post_feedforward_layernorm.weight          [H]   (Gemma 2 only)
 *   {prefix}layers.{i}.mlp.{gate,up}_proj.weight                  [I, H]
 *   {prefix}layers.{i}.mlp.down_proj.weight                       [H, I]
 *   {prefix}norm.weight                                           [H]
 * PaliGemma's prefix is "language_model.model."; a standalone Gemma uses "model.". Biases on q/k/v/o
 * exist only when attention_bias is true (never in released Gemma checkpoints). Layers refer to their
 * weights by these names (`gemmaWeights`); which memory holds them is the kernels' business.
 *
 * Reference: Hugging Face transformers `GemmaModel`, `Gemma2DecoderLayer`.
 */
import type { AttentionWeights, GatedMlpWeights, WeightSpec } from "@paligemma-ts/core";
import type { LinearParams } from "@paligemma-ts/tensor";
import type { GemmaTextConfig } from "./config.ts";

export const PALIGEMMA_TEXT_PREFIX = "language_model.model.";

export interface GemmaLayerWeights {
  input_layernorm: string;
  self_attn: AttentionWeights;
  post_attention_layernorm: string;
  /** Gemma 2 only. */
  pre_feedforward_layernorm: string | null;
  /** Gemma 2 only. */
  post_feedforward_layernorm: string | null;
  mlp: GatedMlpWeights;
}

export interface GemmaWeights {
  /** [V, H]; also the LM head (logits = h E^T). */
  embed_tokens: string;
  layers: GemmaLayerWeights[];
  norm: string;
}

const NORMS_1 = ["input_layernorm", "post_attention_layernorm"];
const NORMS_2 = [...NORMS_1, "pre_feedforward_layernorm", "post_feedforward_layernorm"];

/** Every tensor the decoder needs, with its shape. */
export function gemmaWeightSpecs(c: GemmaTextConfig, prefix = PALIGEMMA_TEXT_PREFIX): WeightSpec[] {
  const { hidden_size: H, intermediate_size: I, head_dim: D } = c;
  const q = c.num_attention_heads * D;
  const kv = c.num_key_value_heads * D;
  const specs: WeightSpec[] = [{ name: `${prefix}embed_tokens.weight`, shape: [c.vocab_size, H] }];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const l = `${prefix}layers.${i}.`;
    for (const n of c.model_type === "gemma2" ? NORMS_2 : NORMS_1) specs.push({ name: `${l}${n}.weight`, shape: [H] });
    const proj: [string, number, number][] = [["q_proj", q, H], ["k_proj", kv, H], ["v_proj", kv, H], ["o_proj", H, q]];
    for (const [n, o, inF] of proj) {
      specs.push({ name: `${l}self_attn.${n}.weight`, shape: [o, inF] });
      if (c.attention_bias) specs.push({ name: `${l}self_attn.${n}.bias`, shape: [o] });
    }
    specs.push(
      { name: `${l}mlp.gate_proj.weight`, shape: [I, H] },
      { name: `${l}mlp.up_proj.weight`, shape: [I, H] },
      { name: `${l}mlp.down_proj.weight`, shape: [H, I] },
    );
  }
  specs.push({ name: `${prefix}norm.weight`, shape: [H] });
  return specs;
}

/** The decoder's weight names under `prefix` (as in gemmaWeightSpecs). */
export function gemmaWeights(c: GemmaTextConfig, prefix = PALIGEMMA_TEXT_PREFIX): GemmaWeights {
  const two = c.model_type === "gemma2";
  return {
    embed_tokens: `${prefix}embed_tokens.weight`,
    norm: `${prefix}norm.weight`,
    layers: Array.from({ length: c.num_hidden_layers }, (_, i) => {
      const l = `${prefix}layers.${i}.`;
      const lin = (n: string): LinearParams => ({ weight: `${l}${n}.weight`, bias: c.attention_bias ? `${l}${n}.bias` : null });
      return {
        input_layernorm: `${l}input_layernorm.weight`,
        self_attn: { q: lin("self_attn.q_proj"), k: lin("self_attn.k_proj"), v: lin("self_attn.v_proj"), o: lin("self_attn.o_proj") },
        post_attention_layernorm: `${l}post_attention_layernorm.weight`,
        pre_feedforward_layernorm: two ? `${l}pre_feedforward_layernorm.weight` : null,
        post_feedforward_layernorm: two ? `${l}post_feedforward_layernorm.weight` : null,
        mlp: { gate: { weight: `${l}mlp.gate_proj.weight` }, up: { weight: `${l}mlp.up_proj.weight` }, down: { weight: `${l}mlp.down_proj.weight` } },
      };
    }),
  };
}
