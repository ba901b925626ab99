/**
 * schemas.ts — JSON Schemas of the request bodies; fastify validates every body against its route's
 * schema (Ajv) before the handler runs, so a field of the wrong type is a 400 naming that field.
 *
 * Teaches: validate at the edge, declaratively. Types are strict (no coercion: "5" is not an
 * integer), ranges are the library's own (seed in [0, 2^32 - 1], top_p in (0, 1], temperature >= 0).
 * The OpenAI body allows fields it does not list (clients send many: frequency_penalty, user, ...;
 * they are ignored); the native bodies are ours and refuse unknown fields.
 *
 * Reference: OpenAI API reference, "Create chat completion"; JSON Schema draft-07; Ajv.
 * Leaves out: tools, response_format, logprobs, n > 1.
 */
const nullable = (t: string, extra: Record<string, unknown> = {}) => ({ type: [t, "null"], ...extra });
const SEED = { minimum: 0, maximum: 4294967295 };

export const CHAT_SCHEMA = {
  type: "object",
  required: ["messages"],
  properties: {
    model: { type: "string" },
    messages: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["role"],
        properties: {
          role: { enum: ["system", "developer", "user", "assistant", "tool"] },
          content: {
            anyOf: [
              { type: "string" },
              { type: "null" },
              {
                type: "array",
                items: {
                  type: "object",
                  required: ["type"],
                  properties: {
                    type: { enum: ["text", "image_url"] },
                    text: { type: "string" },
                    image_url: { anyOf: [{ type: "string" }, { type: "object", required: ["url"], properties: { url: { type: "string" }, detail: { type: "string" } } }] },
                  },
                },
              },
            ],
          },
        },
      },
    },
    max_tokens: nullable("integer", { minimum: 0 }),
    max_completion_tokens: nullable("integer", { minimum: 0 }),
    temperature: nullable("number", { minimum: 0 }),
    top_p: nullable("number", { exclusiveMinimum: 0, maximum: 1 }),
    top_k: nullable("integer", { minimum: 1 }),
    seed: nullable("integer", SEED),
    n: nullable("integer", { minimum: 1, maximum: 1 }),
    stream: nullable("boolean"),
    stream_options: nullable("object", { properties: { include_usage: { type: "boolean" } } }),
  },
} as const;

const SAMPLING = {
  max_new_tokens: { type: "integer", minimum: 0 },
  temperature: { type: "number", minimum: 0 },
  top_p: { type: "number", exclusiveMinimum: 0, maximum: 1 },
  top_k: { type: "integer", minimum: 1 },
  seed: { type: "integer", ...SEED },
  ignore_eos: { type: "boolean" },
};

export const GENERATE_SCHEMA = {
  type: "object",
  required: ["image", "prompt"],
  additionalProperties: false,
  properties: {
    image: { type: "string", description: "data URL, base64, or file:// (with --allow-files)" },
    prompt: { type: "string" },
    ...SAMPLING,
    stream: { type: "boolean" },
    attention: { type: "boolean", description: "keep what /v1/attention needs to draw this answer's attention" },
  },
} as const;

export const SCORE_SCHEMA = {
  type: "object",
  required: ["image", "prefix", "suffix"],
  additionalProperties: false,
  properties: { image: { type: "string" }, prefix: { type: "string" }, suffix: { type: "string" } },
} as const;

export const ATTENTION_SCHEMA = {
  type: "object",
  required: ["generation_id", "token"],
  additionalProperties: false,
  properties: { generation_id: { type: "string" }, token: { type: "integer", minimum: 0 }, layer: { type: "integer", minimum: 0 } },
} as const;

export interface ChatPart {
  type: "text" | "image_url";
  text?: string;
  image_url?: string | { url: string; detail?: string };
}

export interface ChatBody {
  model?: string;
  messages: { role: string; content?: string | ChatPart[] | null }[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  top_k?: number | null;
  seed?: number | null;
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
}

export interface GenerateBody {
  image: string;
  prompt: string;
  max_new_tokens?: number;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  seed?: number;
  ignore_eos?: boolean;
  stream?: boolean;
  attention?: boolean;
}
