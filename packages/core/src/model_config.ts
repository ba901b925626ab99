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

/** Throw ConfigError unless `value` is a positive integer. */
export function requirePositiveInt(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new ConfigError(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  return value;
}
