/**
 * prompt_fits.ts — refuse a prompt that does not fit the model's positions, before loading weights.
 *
 * Teaches: a decoder has a fixed number of positions (Gemma's `max_position_embeddings`, 8192 for
 * PaliGemma: RoPE was trained up to there and the KV cache is sized from it). The whole sequence
 * must fit:
 *
 *   image tokens + <bos> + tokenize(prompt + "\n") [+ suffix + <eos>] + new tokens  <=  max_position_embeddings
 *
 * Checking costs a tokenizer, which is much cheaper than the weights, so it runs first: a user who
 * pasted a book into --prompt hears about it in milliseconds. Most prompts are obviously short: with
 * byte fallback a UTF-16 code unit becomes at most 3 tokens (4 bytes per astral character = 2 code
 * units), so `4 * length` bounds the text's tokens and the tokenizer is only loaded when that bound
 * is past the limit.
 * (It also keeps onnxruntime out of this error path: onnxruntime-node 1.30 crashes when creating a
 * session in a process whose command line is ~30 KB or more, which a too-long --prompt is.)
 *
 * Leaves out: truncation (silently cutting a prompt changes the question).
 */
import { loadPaliGemmaConfig } from "@paligemma-ts/paligemma";
import { IMAGE_TOKEN, PaliGemmaTokenizer, buildPrompt } from "@paligemma-ts/processor";
import { CliUsageError } from "./errors.ts";

export interface PromptSpec {
  /** The prompt (prefix), e.g. "caption en". */
  prefix: string;
  /** A suffix to score (tokenized + <eos>), if any. */
  suffix?: string;
  /** Tokens to generate after the prompt (0 for scoring). */
  newTokens: number;
}

/** Throw CliUsageError when the prompt cannot fit `modelDir`'s positions. */
export async function checkPromptFits(modelDir: string, spec: PromptSpec): Promise<void> {
  const config = loadPaliGemmaConfig(modelDir);
  const maxPositions = config.text_config.max_position_embeddings;
  const text = spec.prefix + (spec.suffix ?? "");
  const imageRuns = Math.max(1, spec.prefix.split(IMAGE_TOKEN).length - 1);
  const upperBound = imageRuns * config.num_image_tokens + 2 + 4 * (text.length + 1) + spec.newTokens;
  if (upperBound <= maxPositions) return;

  const tokenizer = await PaliGemmaTokenizer.load(modelDir, { imageTokenId: config.image_token_index });
  const ids = buildPrompt(tokenizer, { prefix: spec.prefix, suffix: spec.suffix, numImageTokens: config.num_image_tokens }).inputIds;
  if (ids.length + spec.newTokens <= maxPositions) return;
  const what = spec.suffix === undefined ? "prompt" : "prefix + suffix";
  const plus = spec.newTokens > 0 ? ` + --max-new-tokens ${spec.newTokens}` : "";
  throw new CliUsageError(
    `${what} too long for the model: ${ids.length} input tokens (${imageRuns * config.num_image_tokens} image tokens + text)${plus} > max_position_embeddings ${maxPositions} (${modelDir}/config.json)`,
  );
}
