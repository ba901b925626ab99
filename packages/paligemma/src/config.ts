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
 * Ranges (checked, naming the field): projection_dim and hidden_size positive integers;
 * image_token_index, pad/bos and every eos id inside [0, text_config.vocab_size). The sub-configs
 * check their own fields (gemma/config.ts, siglip/config.ts).
 *
 * Reference: Hugging Face transformers `PaliGemmaConfig` (models/paligemma/configuration_paligemma.py).
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { ConfigError, requirePositiveInt, requireTokenId } from "@paligemma-ts/core";
import { errorReason, readRegularFile } from "@paligemma-ts/tensor";
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

/** A positive size field (projection_dim, hidden_size), default when absent or null. */
const sizeField = (json: Record<string, unknown>, key: string, dflt: number) => requirePositiveInt(json[key] ?? dflt, `config.json: ${key}`);

/** A token id field: an integer in [0, text_config.vocab_size) (the embedding rows). */
const idField = (json: Record<string, unknown>, key: string, dflt: number, vocab: number) => requireTokenId(json[key] ?? dflt, `config.json: ${key}`, vocab, "text_config.vocab_size");

/** Parse a PaliGemma config.json object (plus, optionally, generation_config.json's eos ids). */
export function paliGemmaConfig(json: Record<string, unknown>, generationConfig?: Record<string, unknown> | null): PaliGemmaConfig {
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new ConfigError("config.json must hold a JSON object");
  if (json.model_type !== undefined && json.model_type !== "paligemma") {
    throw new ConfigError(`config.json: model_type "${String(json.model_type)}" is not "paligemma"`);
  }
  const vision = siglipVisionConfig((json.vision_config ?? DEFAULT_VISION) as Record<string, unknown>, "vision_config");
  const text = gemmaConfig((json.text_config ?? DEFAULT_TEXT) as Record<string, unknown>, "text_config");
  const projection_dim = sizeField(json, "projection_dim", 2048);
  if (projection_dim !== text.hidden_size) {
    throw new ConfigError(`config.json: projection_dim ${projection_dim} must equal text_config.hidden_size ${text.hidden_size} (image features replace token embeddings)`);
  }
  const eos = [...toList(json.eos_token_id ?? 1), ...eosTokenIds(text), ...toList(generationConfig?.eos_token_id)];
  if (!eos.every((e) => Number.isInteger(e) && e >= 0)) throw new ConfigError(`config.json: eos_token_id must be an integer or a list of integers, got ${JSON.stringify(json.eos_token_id)}`);
  for (const e of eos) requireTokenId(e, "config.json (or generation_config.json): eos_token_id", text.vocab_size, "text_config.vocab_size");
  const image_token_index = idField(json, "image_token_index", 256000, text.vocab_size);
  return {
    vision_config: vision,
    text_config: text,
    image_token_index,
    projection_dim,
    hidden_size: sizeField(json, "hidden_size", 2048),
    pad_token_id: idField(json, "pad_token_id", text.pad_token_id, text.vocab_size),
    bos_token_id: idField(json, "bos_token_id", text.bos_token_id, text.vocab_size),
    eos_token_ids: [...new Set(eos)],
    num_image_tokens: numPatches(vision),
  };
}

/** config.json files are a few KB; anything past this is not one. */
const MAX_CONFIG_BYTES = 10_000_000;

function readJson(file: string): Record<string, unknown> {
  try {
    // Only a regular file is read: a FIFO named config.json must not block the loader.
    return JSON.parse(readRegularFile(file, MAX_CONFIG_BYTES).toString("utf8"));
  } catch (e) {
    throw new ConfigError(`cannot read ${file}: ${errorReason(e)}`);
  }
}

/** Read `dir/config.json` (and `dir/generation_config.json` when present); a file path means its folder. */
export function loadPaliGemmaConfig(dir: string): PaliGemmaConfig {
  const base = existsSync(dir) && !statSync(dir).isDirectory() ? dirname(dir) : dir;
  const gen = join(base, "generation_config.json");
  return paliGemmaConfig(readJson(join(base, "config.json")), existsSync(gen) ? readJson(gen) : null);
}
