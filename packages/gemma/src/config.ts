/**
 * config.ts — Gemma and Gemma 2 text-model configuration, with Hugging Face defaults.
 *
 * Teaches: what distinguishes the two generations, as config fields:
 *   both:    hidden_size, intermediate_size, num_hidden_layers, num_attention_heads,
 *            num_key_value_heads (1 = multi-query), head_dim (independent of hidden / heads: 256 by default),
 *            rms_norm_eps 1e-6, rope_theta 10000, max_position_embeddings 8192, tied embeddings
 *   Gemma 2: query_pre_attn_scalar (attention scale = query_pre_attn_scalar^-0.5 instead of head_dim^-0.5),
 *            attn_logit_softcapping (50), final_logit_softcapping (30), sliding_window (4096, on even layers)
 * config.json files leave most of these out; the defaults below are the Python classes'.
 * `eos_token_id` may be one id or a list (PaliGemma 2: [1, 107]).
 * Ranges (checked, naming the field): sizes and max_position_embeddings are positive integers;
 * rms_norm_eps, rope_theta and query_pre_attn_scalar finite and > 0; the soft-caps null (off) or > 0;
 * sliding_window null or a positive integer; pad/bos/eos ids inside [0, vocab_size).
 * An explicit `null` soft-cap or window means "off" (Python None), not "use the default".
 *
 * References: Hugging Face transformers `GemmaConfig` (models/gemma/configuration_gemma.py) and
 * `Gemma2Config` (models/gemma2/configuration_gemma2.py); Gemma 2 report (https://arxiv.org/abs/2408.00118).
 * Leaves out: RoPE scaling, attention dropout, Gemma 3.
 */
import { ConfigError, requirePositiveInt, requirePositiveNumber, requirePositiveOrNull, requireTokenId, withDefaults } from "@paligemma-ts/core";

interface GemmaCommon {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  hidden_activation: string | null;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta: number;
  attention_bias: boolean;
  tie_word_embeddings: boolean;
  pad_token_id: number;
  bos_token_id: number;
  eos_token_id: number | number[];
}

export interface GemmaConfig extends GemmaCommon {
  model_type: "gemma";
}

export interface Gemma2Config extends GemmaCommon {
  model_type: "gemma2";
  query_pre_attn_scalar: number;
  attn_logit_softcapping: number | null;
  final_logit_softcapping: number | null;
  sliding_window: number | null;
}

export type GemmaTextConfig = GemmaConfig | Gemma2Config;

const COMMON = {
  max_position_embeddings: 8192,
  rms_norm_eps: 1e-6,
  rope_theta: 10000,
  head_dim: 256,
  attention_bias: false,
  tie_word_embeddings: true,
  pad_token_id: 0,
  bos_token_id: 2,
  eos_token_id: null as unknown as number | number[], // int or list: checked below
  hidden_activation: null as string | null,
};

export const GEMMA_DEFAULTS: Readonly<GemmaConfig> = Object.freeze({
  ...COMMON,
  model_type: "gemma",
  vocab_size: 256000,
  hidden_size: 3072,
  intermediate_size: 24576,
  num_hidden_layers: 28,
  num_attention_heads: 16,
  num_key_value_heads: 16,
  eos_token_id: 1,
});

export const GEMMA2_DEFAULTS: Readonly<Gemma2Config> = Object.freeze({
  ...COMMON,
  model_type: "gemma2",
  vocab_size: 256000,
  hidden_size: 2304,
  intermediate_size: 9216,
  num_hidden_layers: 26,
  num_attention_heads: 8,
  num_key_value_heads: 4,
  eos_token_id: 1,
  hidden_activation: "gelu_pytorch_tanh",
  query_pre_attn_scalar: 256,
  attn_logit_softcapping: 50,
  final_logit_softcapping: 30,
  sliding_window: 4096,
});

const TANH_GELU = ["gelu_pytorch_tanh", "gelu_fast", "gelu_new"];

/** Gemma 2 fields where null means "off" (no soft-cap, no sliding window), as None does in Python. */
const NULLABLE = ["attn_logit_softcapping", "final_logit_softcapping", "sliding_window"] as const;

/** Parse a Gemma / Gemma 2 text config (model_type "gemma" unless given), filling HF defaults. */
export function gemmaConfig(json?: Record<string, unknown> | null, where = "text_config"): GemmaTextConfig {
  const type = (json?.model_type as string | undefined) ?? "gemma";
  if (type !== "gemma" && type !== "gemma2") throw new ConfigError(`${where}.model_type "${type}" is not supported (expected "gemma" or "gemma2")`);
  const defaults = type === "gemma" ? GEMMA_DEFAULTS : GEMMA2_DEFAULTS;
  const c = withDefaults(json, { ...defaults, eos_token_id: null } as Record<string, unknown>, where) as unknown as GemmaTextConfig;
  const eos = json?.eos_token_id ?? defaults.eos_token_id;
  const eosOk = Number.isInteger(eos) || (Array.isArray(eos) && eos.length > 0 && eos.every(Number.isInteger));
  if (!eosOk) throw new ConfigError(`${where}.eos_token_id must be an integer or a non-empty list of integers, got ${JSON.stringify(eos)}`);
  c.eos_token_id = eos as number | number[];
  c.model_type = type;
  for (const k of ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim", "max_position_embeddings"] as const) {
    requirePositiveInt(c[k], `${where}.${k}`);
  }
  requirePositiveNumber(c.rms_norm_eps, `${where}.rms_norm_eps`);
  requirePositiveNumber(c.rope_theta, `${where}.rope_theta`);
  for (const k of ["pad_token_id", "bos_token_id"] as const) requireTokenId(c[k], `${where}.${k}`, c.vocab_size, "vocab_size");
  eosTokenIds(c).forEach((id) => requireTokenId(id, `${where}.eos_token_id`, c.vocab_size, "vocab_size"));
  if (c.model_type === "gemma2") {
    // An explicit null turns the feature off (Python None), unlike a left-out key, which gets the default.
    for (const k of NULLABLE) if (json && k in json && json[k] === null) c[k] = null;
    requirePositiveNumber(c.query_pre_attn_scalar, `${where}.query_pre_attn_scalar`);
    requirePositiveOrNull(c.attn_logit_softcapping, `${where}.attn_logit_softcapping`);
    requirePositiveOrNull(c.final_logit_softcapping, `${where}.final_logit_softcapping`);
    if (c.sliding_window !== null) requirePositiveInt(c.sliding_window, `${where}.sliding_window (null = no window)`);
  }
  if (c.num_attention_heads % c.num_key_value_heads !== 0) {
    throw new ConfigError(`${where}: num_attention_heads ${c.num_attention_heads} is not a multiple of num_key_value_heads ${c.num_key_value_heads}`);
  }
  if (c.head_dim % 2 !== 0) throw new ConfigError(`${where}.head_dim must be even for RoPE, got ${c.head_dim}`);
  const act = c.hidden_activation ?? (json?.hidden_act as string | undefined) ?? "gelu_pytorch_tanh";
  if (!TANH_GELU.includes(act)) throw new ConfigError(`${where}.hidden_activation "${act}" is not supported (expected one of ${TANH_GELU.join(", ")})`);
  if (!c.tie_word_embeddings) throw new ConfigError(`${where}.tie_word_embeddings = false is not supported: Gemma ties its LM head to embed_tokens`);
  return c;
}

/** The eos ids as a list. */
export function eosTokenIds(c: { eos_token_id: number | number[] }): number[] {
  return Array.isArray(c.eos_token_id) ? [...c.eos_token_id] : [c.eos_token_id];
}

/** Attention score scale: head_dim^-0.5 (Gemma), query_pre_attn_scalar^-0.5 (Gemma 2). */
export function attentionScale(c: GemmaTextConfig): number {
  return 1 / Math.sqrt(c.model_type === "gemma2" ? c.query_pre_attn_scalar : c.head_dim);
}

/** Gemma 2 layers 0, 2, 4, ... use local (sliding-window) attention; returns the window or null. */
export function slidingWindowOf(c: GemmaTextConfig, layerIdx: number): number | null {
  return c.model_type === "gemma2" && c.sliding_window && layerIdx % 2 === 0 ? c.sliding_window : null;
}

/** sqrt(hidden_size) rounded to float32: the embedding normalizer, as the reference computes it. */
export function embeddingNormalizer(c: { hidden_size: number }): number {
  return Math.fround(Math.sqrt(c.hidden_size));
}
