/**
 * config.ts — PaliGemma's config.json: the vision tower, the text model and how they connect.
 *
 * Teaches: a PaliGemma config nests two model configs and adds the glue:
 *   vision_config   SigLIP (defaults of Hugging Face SiglipVisionConfig: image_size 224, eps 1e-6, ...)
 *   text_config     Gemma ("gemma", PaliGemma 1) or Gemma 2 ("gemma2", PaliGemma 2), HF defaults filled
 *   image_token_index   the id of "<image>" (257152 in real checkpoints, after the tokenizer's pieces)
 *   projection_dim      the projector's output size; must equal text_config.hidden_size
 *   num_image_tokens    = (image_size / patch_size)^2, derived (as HF does), never trusted from the JSON
 * Traps: the top-level `hidden_size` (2048 in PaliGemma 2 configs) is NOT the text model's width (2304);
 * every sqrt(hidden) scaling uses text_config.hidden_size. `eos_token_id` may be an int or a list
 * (PaliGemma 2 stops on [1, 107]); generation stops on the union of the top-level, text_config and
 * generation_config.json eos ids. `projector_hidden_act` is unused: the projector is a single Linear.
 * A config.json without text_config / vision_config gets PaliGemmaConfig's built-in ones (Gemma 2B-like
 * text, SigLIP-So400m-like vision), not the bare Gemma/SigLIP class defaults.
 *
 * Reference: Hugging Face transformers `PaliGemmaConfig` (models/paligemma/configuration_paligemma.py).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError } from "@paligemma-ts/core";
import { type GemmaTextConfig, eosTokenIds, gemmaConfig } from "@paligemma-ts/gemma";
import { type SiglipVisionConfig, numPatches, siglipVisionConfig } from "@paligemma-ts/siglip";

export interface PaliGemmaConfig {
  vision_config: SiglipVisionConfig;
  text_config: GemmaTextConfig;
  image_token_index: number;
  projection_dim: number;
  /** Top-level hidden_size, kept for reference only: use text_config.hidden_size. */
  hidden_size: number;
  pad_token_id: number;
  bos_token_id: number;
  /** Every id that ends generation (deduplicated union, see header). */
  eos_token_ids: number[];
  /** Image tokens per image: (image_size / patch_size)^2. */
  num_image_tokens: number;
}

/** HF PaliGemmaConfig's own sub-configs when config.json has no text_config / vision_config at all. */
const DEFAULT_TEXT = { hidden_size: 2048, num_hidden_layers: 18, intermediate_size: 16384, num_attention_heads: 8, num_key_value_heads: 1, vocab_size: 257152 };
const DEFAULT_VISION = { intermediate_size: 4096, hidden_size: 1152, patch_size: 14, image_size: 224, num_hidden_layers: 27, num_attention_heads: 16 };

const toList = (v: unknown): number[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]) as number[];

function intField(json: Record<string, unknown>, key: string, dflt: number): number {
  const v = json[key] ?? dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw new ConfigError(`config.json: ${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Parse a PaliGemma config.json object (plus, optionally, generation_config.json's eos ids). */
export function paliGemmaConfig(json: Record<string, unknown>, generationConfig?: Record<string, unknown> | null): PaliGemmaConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ConfigError("config.json must hold a JSON object");
  if (json.model_type !== undefined && json.model_type !== "paligemma") {
    throw new ConfigError(`config.json: model_type "${String(json.model_type)}" is not "paligemma"`);
  }
  const vision = siglipVisionConfig((json.vision_config ?? DEFAULT_VISION) as Record<string, unknown>, "vision_config");
  const text = gemmaConfig((json.text_config ?? DEFAULT_TEXT) as Record<string, unknown>, "text_config");
  const projection_dim = intField(json, "projection_dim", 2048);
  if (projection_dim !== text.hidden_size) {
    throw new ConfigError(`config.json: projection_dim ${projection_dim} must equal text_config.hidden_size ${text.hidden_size} (image features replace token embeddings)`);
  }
  const eos = [...toList(json.eos_token_id ?? 1), ...eosTokenIds(text), ...toList(generationConfig?.eos_token_id)];
  if (!eos.every((e) => Number.isInteger(e) && e >= 0)) throw new ConfigError(`config.json: eos_token_id must be an integer or a list of integers, got ${JSON.stringify(json.eos_token_id)}`);
  const image_token_index = intField(json, "image_token_index", 256000);
  if (image_token_index >= text.vocab_size) {
    throw new ConfigError(`config.json: image_token_index ${image_token_index} is outside text_config.vocab_size ${text.vocab_size}`);
  }
  return {
    vision_config: vision,
    text_config: text,
    image_token_index,
    projection_dim,
    hidden_size: intField(json, "hidden_size", 2048),
    pad_token_id: intField(json, "pad_token_id", text.pad_token_id),
    bos_token_id: intField(json, "bos_token_id", text.bos_token_id),
    eos_token_ids: [...new Set(eos)],
    num_image_tokens: numPatches(vision),
  };
}

function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/** Read `dir/config.json` (and `dir/generation_config.json` when present); a file path means its folder. */
export function loadPaliGemmaConfig(dir: string): PaliGemmaConfig {
  const base = existsSync(dir) && !statSync(dir).isDirectory() ? dirname(dir) : dir;
  const gen = join(base, "generation_config.json");
  return paliGemmaConfig(readJson(join(base, "config.json")), existsSync(gen) ? readJson(gen) : null);
}
