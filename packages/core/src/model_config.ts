/**
 * model_config.ts — reading a Hugging Face config.json section: fill left-out fields with the config
 * class's defaults, and check the types of the rest.
 *
 * Teaches: config.json files only list what differs from the defaults of the Python config class
 * (SiglipVisionConfig, GemmaConfig, ...). A loader that reads `config.head_dim` from the JSON alone
 * gets `undefined` for PaliGemma 1 (Gemma's head_dim 256 is a default), so every model package
 * declares its class defaults next to its config type and fills them here:
 *   value(key) = json[key] if present (and not null) else defaults[key]
 *
 * Then every numeric field is range-checked by the helpers below, each naming `where.key` and what
 * was expected: sizes are integers in [1, 2^31 - 1] (JSON's 1e300 is an "integer" too), epsilons,
 * RoPE bases and scales are finite and > 0 (JSON's 1e400 parses to Infinity), token ids are
 * integers in [0, vocab_size), optional caps and windows are null or positive. A value that passes
 * the type check but not the range would otherwise surface much later as NaN logits, a division by
 * zero or a multi-gigabyte allocation.
 *
 * Reference: Hugging Face transformers `PretrainedConfig` (configuration_utils.py).
 * Leaves out: nested sub-configs (each model fills its own), attribute aliases.
 */
import { PaliGemmaError } from "@paligemma-ts/tensor";

/** A config.json that is missing something required or holds a value of the wrong type. */
export class ConfigError extends PaliGemmaError {
  constructor(message: string) {
    super("E_CONFIG", message);
  }
}

/**
 * defaults overlaid with the JSON's values for the same keys; a value whose type differs from the
 * default's (number, string, boolean) throws ConfigError naming `where`.key. Keys whose default is
 * null accept any value. Unknown JSON keys are ignored.
 */
export function withDefaults<T extends Record<string, unknown>>(json: Record<string, unknown> | null | undefined, defaults: T, where: string): T {
  const out: Record<string, unknown> = { ...defaults };
  if (json !== undefined && json !== null && (typeof json !== "object" || Array.isArray(json))) {
    throw new ConfigError(`${where} must be a JSON object, got ${JSON.stringify(json)}`);
  }
  for (const key of Object.keys(defaults)) {
    const v = json?.[key];
    if (v === undefined || v === null) continue;
    const d = defaults[key];
    if (d !== null && typeof v !== typeof d) {
      throw new ConfigError(`${where}.${key} must be a ${typeof d}, got ${JSON.stringify(v)}`);
    }
    out[key] = v;
  }
  return out as T;
}

/** The largest size a config field may hold (widths, layer counts, vocabulary): 2^31 - 1. */
export const MAX_CONFIG_INT = 2 ** 31 - 1;

const shown = (v: unknown) => (typeof v === "number" ? String(v) : JSON.stringify(v));

/** Throw ConfigError unless `value` is an integer in [1, max] (max defaults to 2^31 - 1). */
export function requirePositiveInt(value: unknown, what: string, max = MAX_CONFIG_INT): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ConfigError(`${what} must be a positive integer${max === MAX_CONFIG_INT ? "" : ` <= ${max}`}, got ${shown(value)}`);
  }
  return value;
}

/** Throw ConfigError unless `value` is a finite number > 0 (an epsilon, a RoPE base, a scale). */
export function requirePositiveNumber(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new ConfigError(`${what} must be a finite number > 0, got ${shown(value)}`);
  return value;
}

/** Throw ConfigError unless `value` is null (feature off) or a finite number > 0. */
export function requirePositiveOrNull(value: unknown, what: string): number | null {
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new ConfigError(`${what} must be null or a finite number > 0, got ${shown(value)}`);
  return value;
}

/** Throw ConfigError unless `value` is a token id: an integer in [0, vocabSize) (`vocabName` names the bound). */
export function requireTokenId(value: unknown, what: string, vocabSize: number, vocabName: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value >= vocabSize) {
    throw new ConfigError(`${what} must be a token id in [0, ${vocabName} ${vocabSize}), got ${shown(value)}`);
  }
  return value;
}
