/**
 * open.ts — the cheap first stage of loading: read and check everything about a model folder except
 * its weights.
 *
 * Teaches: fail fast, and do the checks once. Opening a folder reads
 *   config.json (+ generation_config.json)   HF defaults filled, fields checked (config.ts)
 *   tokenizer.model                          the SentencePiece vocabulary, with <image> appended, checked
 *                                            against the config (tokenizer_check.ts: its pieces fit the
 *                                            embedding rows, special ids inside the vocabulary; missing
 *                                            <loc>/<seg> pieces are warnings in `tokenizerReport`)
 *   *.safetensors headers                    every tensor's name, dtype and shape (no data), checked
 *                                            against the config in one CheckpointError (load.ts)
 * in milliseconds, even for a 12 GB checkpoint. `PaliGemma.load` builds on an opened folder, and a
 * command-line tool opens first so that a typo in a path, a broken conversion or a prompt too long for
 * the model's positions is reported before any weight is touched. The position rule lives here, once:
 *   prompt tokens (image tokens, <bos>, text, "\n", [suffix, <eos>]) + new tokens <= max_position_embeddings
 * (positions are 1-based, so the last new token sits at exactly that sum).
 *
 * The model may also be a Hugging Face id (`google/paligemma-3b-pt-224`, optionally at a revision):
 * it is found in the local Hub cache, offline (hub_cache.ts); a local folder of that name wins.
 *
 * Reference: Hugging Face `PaliGemmaProcessor` (prompt layout), `from_pretrained` (config, then weights).
 * Leaves out: downloading (the folder, or the cached snapshot, must exist).
 */
import { statSync } from "node:fs";
import { PaliGemmaTokenizer, buildPrompt } from "@paligemma-ts/processor";
import { ArgumentError, Checkpoint, PaliGemmaError } from "@paligemma-ts/tensor";
import { type PaliGemmaConfig, loadPaliGemmaConfig } from "./config.ts";
import { type HubLookup, resolveModelDir } from "./hub_cache.ts";
import { CheckpointError, type WeightLayout, checkCheckpoint, detectLayout } from "./load.ts";
import { type TokenizerReport, checkTokenizerAgainstConfig } from "./tokenizer_check.ts";

/** `--model` (or PaliGemma.open's dir) is not a checkpoint folder. */
export class ModelDirError extends PaliGemmaError {
  constructor(message: string) {
    super("E_MODEL_DIR", message);
  }
}

const WHAT = "a folder with config.json, *.safetensors and tokenizer.model";

/** A model folder whose config, tokenizer and checkpoint headers were read and checked. */
export class OpenedPaliGemma {
  private constructor(
    readonly dir: string,
    readonly config: PaliGemmaConfig,
    readonly tokenizer: PaliGemmaTokenizer,
    readonly checkpoint: Checkpoint,
    readonly layout: WeightLayout,
    readonly tokenizerReport: TokenizerReport,
  ) {}

  /**
   * Open `model` (a folder, or a Hub id found in the local cache at `lookup.revision`): config,
   * tokenizer, checkpoint headers, all checked (ModelDirError, HubCacheError, ConfigError, CheckpointError).
   */
  static async open(model: string, lookup: HubLookup = {}): Promise<OpenedPaliGemma> {
    const dir = resolveModelDir(model, lookup).dir;
    const st = statSync(dir, { throwIfNoEntry: false });
    if (!st) throw new ModelDirError(`model directory '${dir}' does not exist (expected ${WHAT})`);
    if (!st.isDirectory()) throw new ModelDirError(`model '${dir}' is not a directory (expected ${WHAT})`);
    const config = loadPaliGemmaConfig(dir);
    const tokenizer = await PaliGemmaTokenizer.load(dir, { imageTokenId: config.image_token_index });
    const report = checkTokenizerAgainstConfig(tokenizer, config); // TokenizerMismatchError when they cannot work together
    const checkpoint = Checkpoint.open(dir);
    try {
      const layout = detectLayout(checkpoint);
      const problems = checkCheckpoint(checkpoint, config, layout);
      if (problems.length > 0) throw new CheckpointError(dir, problems);
      return new OpenedPaliGemma(dir, config, tokenizer, checkpoint, layout, report);
    } catch (e) {
      checkpoint.close();
      throw e;
    }
  }

  /** Prompt ids: "<image>" x N per image, <bos>, prompt + "\n" [, suffix, <eos>]; prefixLength = tokens before the suffix. */
  promptIds(prompt: string, suffix?: string, numImages = 1): { ids: number[]; prefixLength: number } {
    return promptIds(this.tokenizer, this.config, prompt, suffix, numImages);
  }

  /** Throw ArgumentError when some row + `newTokens` does not fit max_position_embeddings (see the header). */
  checkPositions(rows: readonly (readonly number[])[], newTokens: number, what = "prompt"): void {
    checkPositions(this.config, rows, newTokens, what);
  }

  close(): void {
    this.checkpoint.close();
  }
}

/** Prompt ids for one prompt with `numImages` images (see OpenedPaliGemma.promptIds). */
export function promptIds(tokenizer: PaliGemmaTokenizer, config: PaliGemmaConfig, prompt: string, suffix?: string, numImages = 1): { ids: number[]; prefixLength: number } {
  if (!Number.isInteger(numImages) || numImages < 1) throw new ArgumentError(`prompt: numImages must be a positive integer, got ${numImages}`);
  const p = buildPrompt(tokenizer, { prefix: prompt, suffix, numImageTokens: config.num_image_tokens, imagesPerPrompt: numImages });
  return { ids: p.inputIds, prefixLength: p.tokenTypeIds.filter((t) => t === 0).length };
}

/** The position rule of the header for rows of prompt ids (padding excluded) and `newTokens` to generate. */
export function checkPositions(config: PaliGemmaConfig, rows: readonly (readonly number[])[], newTokens: number, what = "prompt"): void {
  const limit = config.text_config.max_position_embeddings;
  let row = 0; // the longest row: positions count real tokens, so padding adds none
  for (let b = 1; b < rows.length; b++) if (rows[b].length > rows[row].length) row = b;
  const n = rows[row]?.length ?? 0;
  if (n + newTokens <= limit) return;
  const which = rows.length > 1 ? ` (row ${row})` : "";
  const plus = newTokens > 0 ? ` + ${newTokens} new tokens = ${n + newTokens} positions` : "";
  throw new ArgumentError(`${what} too long for the model: ${n} tokens${which} (${config.num_image_tokens} image tokens + text)${plus} > text_config.max_position_embeddings ${limit}`);
}
