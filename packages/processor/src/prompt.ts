/**
 * prompt.ts — lay out PaliGemma's input ids: image tokens, <bos>, prefix, "\n", optional suffix, <eos>.
 *
 * Teaches: the token sequence a PaliGemma checkpoint was trained on:
 *
 *   [<image>] * num_image_tokens * num_images   <bos>   tokenize(prefix + "\n")   tokenize(suffix) <eos>
 *   |------------------ prefix: token type 0, attends bidirectionally -------------|----- type 1: causal -----|
 *
 * - prefix + "\n" is tokenized as ONE string: "\n" may merge with the last word ("?\n" is a piece),
 *   and there is no space between the image tokens / <bos> and the prompt.
 * - The suffix (the answer, for scoring or training) is tokenized on its own and ended by <eos>;
 *   token_type_ids mark it with 1 so the prefix-LM mask and the loss know where it starts.
 * - A prompt that already contains "<image>" is expanded in place (Hugging Face's behaviour): each
 *   "<image>" becomes num_image_tokens image tokens and <bos> goes right after the last one.
 * - A batch is padded to its longest row (or `maxLength`) with <pad>, attention_mask 0 on padding.
 *   Left padding keeps every row's last token at the end, which is what batched generation wants.
 *
 * References: transformers/models/paligemma/processing_paligemma.py (`build_string_from_input`,
 * `PaliGemmaProcessor.__call__`); big_vision PaliGemma README ("prefix" / "suffix").
 *
 * Leaves out: truncation (a row longer than maxLength is an error, never silently cut), chat templates.
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { IMAGE_TOKEN, type PaliGemmaTokenizer } from "./tokenizer.ts";

/** What prompt layout needs from a tokenizer (a PaliGemmaTokenizer, or a stub in tests). */
export type PromptTokenizer = Pick<PaliGemmaTokenizer, "encode" | "bosId" | "eosId" | "padId" | "imageTokenId">;

export interface PromptOptions {
  prefix: string;
  suffix?: string;
  numImageTokens: number;
  /** Images per prompt (default 1); ignored when the prefix already contains "<image>". */
  imagesPerPrompt?: number;
}

export interface PromptIds {
  inputIds: number[];
  /** 0 for image tokens, <bos> and the prefix; 1 for the suffix and its <eos>. */
  tokenTypeIds: number[];
}

/** One prompt, unpadded. */
export function buildPrompt(tokenizer: PromptTokenizer, options: PromptOptions): PromptIds {
  const { prefix, suffix, numImageTokens } = options;
  const imagesPerPrompt = options.imagesPerPrompt ?? 1;
  if (!Number.isInteger(numImageTokens) || numImageTokens < 0) throw new ArgumentError(`buildPrompt: numImageTokens must be a non-negative integer, got ${numImageTokens}`);
  if (!Number.isInteger(imagesPerPrompt) || imagesPerPrompt < 0) throw new ArgumentError(`buildPrompt: imagesPerPrompt must be a non-negative integer, got ${imagesPerPrompt}`);
  const images = (n: number) => new Array<number>(n * numImageTokens).fill(tokenizer.imageTokenId);
  const ids: number[] = [];
  if (prefix.includes(IMAGE_TOKEN)) {
    // Expand in place: text before the last <image> is tokenized piece by piece between image runs.
    const parts = prefix.split(IMAGE_TOKEN);
    const rest = parts.pop()!;
    for (const part of parts) {
      if (part !== "") ids.push(...tokenizer.encode(part));
      ids.push(...images(1));
    }
    ids.push(tokenizer.bosId, ...tokenizer.encode(rest + "\n"));
  } else {
    ids.push(...images(imagesPerPrompt), tokenizer.bosId, ...tokenizer.encode(prefix + "\n"));
  }
  const tokenTypeIds = new Array<number>(ids.length).fill(0);
  if (suffix !== undefined) {
    const s = [...tokenizer.encode(suffix), tokenizer.eosId];
    ids.push(...s);
    tokenTypeIds.push(...new Array<number>(s.length).fill(1));
  }
  return { inputIds: ids, tokenTypeIds };
}

export interface BatchOptions {
  prefixes: string[];
  /** One suffix per prefix, for scoring/training. */
  suffixes?: string[];
  numImageTokens: number;
  imagesPerPrompt?: number;
  /** Where <pad> goes (default "right"; use "left" for batched generation). */
  paddingSide?: "left" | "right";
  /** Pad every row to this length (at least the longest row; a longer row is an error). */
  maxLength?: number;
}

export interface BatchIds {
  inputIds: number[][];
  /** 1 on real tokens, 0 on padding. */
  attentionMask: number[][];
  tokenTypeIds: number[][];
}

/** A padded batch of prompts with attention masks and token-type ids. */
export function buildPaliGemmaInputs(tokenizer: PromptTokenizer, options: BatchOptions): BatchIds {
  const { prefixes, suffixes, numImageTokens, imagesPerPrompt } = options;
  const side = options.paddingSide ?? "right";
  if (side !== "left" && side !== "right") throw new ArgumentError(`buildPaliGemmaInputs: paddingSide must be "left" or "right", got ${String(side)}`);
  if (suffixes && suffixes.length !== prefixes.length) {
    throw new ArgumentError(`buildPaliGemmaInputs: ${suffixes.length} suffixes for ${prefixes.length} prefixes (need one each)`);
  }
  const rows = prefixes.map((prefix, i) => buildPrompt(tokenizer, { prefix, suffix: suffixes?.[i], numImageTokens, imagesPerPrompt }));
  const longest = Math.max(0, ...rows.map((r) => r.inputIds.length));
  const length = options.maxLength ?? longest;
  if (!Number.isInteger(length) || length < 0) throw new ArgumentError(`buildPaliGemmaInputs: maxLength must be a non-negative integer, got ${length}`);
  const out: BatchIds = { inputIds: [], attentionMask: [], tokenTypeIds: [] };
  rows.forEach((r, i) => {
    const n = r.inputIds.length;
    if (n > length) throw new ArgumentError(`buildPaliGemmaInputs: prompt ${i} has ${n} tokens, more than maxLength ${length}`);
    const pad = <T>(real: T[], fill: T): T[] => {
      const p = new Array<T>(length - n).fill(fill);
      return side === "left" ? [...p, ...real] : [...real, ...p];
    };
    out.inputIds.push(pad(r.inputIds, tokenizer.padId));
    out.attentionMask.push(pad(new Array<number>(n).fill(1), 0));
    out.tokenTypeIds.push(pad(r.tokenTypeIds, 0));
  });
  return out;
}
