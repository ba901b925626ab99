/**
 * tokenizer_check.ts — does this tokenizer.model belong with this config.json?
 *
 * Teaches: the tokenizer and the checkpoint are separate files, and nothing stops a user from
 * pairing a model with the wrong tokenizer. The mismatch is silent: ids index the embedding
 * matrix, so a tokenizer with more pieces than embedding rows reads past the matrix, a prompt's
 * <bos> at the wrong id feeds the model a token it never saw, and an "<image>" id that is also an
 * ordinary piece makes text positions receive image features. What must hold, for a tokenizer of
 * P pieces (ids 0 .. P-1) and a text model of V embedding rows (text_config.vocab_size):
 *
 *   P <= V                                   every piece has an embedding row
 *   image id == config.image_token_index,    the merge step looks image positions up by that id,
 *   image id < V, and image id >= P or is    and it must not double as a text piece
 *   the piece "<image>"
 *   bos, eos, pad (tokenizer and config) in [0, P)   special ids are pieces (decodable, producible)
 *
 * The answer vocabulary is checked too: detection answers are <loc0000>..<loc1023> and segmentation
 * answers add <seg000>..<seg127>. A tokenizer without them still captions and answers questions, so
 * that is only a warning, but a "detect ..." or "segment ..." prompt is refused
 * (assertPromptSupported): the model could never say the answer, and parsing would find nothing.
 *
 * Reference: transformers PaliGemmaProcessor (image_token, loc/seg additions to the tokenizer);
 * big_vision PaliGemma README (the detect / segment prompt prefixes).
 * Leaves out: comparing piece strings with the checkpoint's training vocabulary (not stored in it).
 */
import { PaliGemmaError } from "@paligemma-ts/tensor";
import type { PaliGemmaConfig } from "./config.ts";

/** The tokenizer and config.json disagree in a way that would give wrong answers. */
export class TokenizerMismatchError extends PaliGemmaError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super("E_TOKENIZER_MISMATCH", `tokenizer does not fit config.json: ${problems.join("; ")}`);
    this.problems = problems;
  }
}

/** What the check needs from a tokenizer (a PaliGemmaTokenizer, or a stub). */
export interface CheckedTokenizer {
  /** Number of pieces: ids 0 .. vocabSize - 1. */
  readonly vocabSize: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly imageTokenId: number;
  /** Id of a piece string, or undefined (a PaliGemmaTokenizer maps "<image>" to imageTokenId). */
  pieceToId(piece: string): number | undefined;
  /** Piece string of an id, or undefined. */
  idToPiece(id: number): string | undefined;
}

export interface TokenizerReport {
  /** All 1024 <locNNNN> pieces are present (detection can be answered). */
  hasLocTokens: boolean;
  /** All 128 <segNNN> pieces are present (segmentation can be answered). */
  hasSegTokens: boolean;
  /** How many of each family are missing. */
  missingLoc: number;
  missingSeg: number;
  /** Things that work but deserve a message (missing answer pieces, config/tokenizer id differences). */
  warnings: string[];
}

export const LOC_PIECES = Array.from({ length: 1024 }, (_, i) => `<loc${String(i).padStart(4, "0")}>`);
export const SEG_PIECES = Array.from({ length: 128 }, (_, i) => `<seg${String(i).padStart(3, "0")}>`);

const isId = (id: number, end: number) => Number.isInteger(id) && id >= 0 && id < end;

/**
 * Check `tokenizer` against `config` (see the header). Throws TokenizerMismatchError listing every
 * problem that would give wrong answers; returns what is usable plus warnings.
 */
export function checkTokenizerAgainstConfig(tokenizer: CheckedTokenizer, config: PaliGemmaConfig): TokenizerReport {
  const rows = config.text_config.vocab_size;
  const pieces = tokenizer.vocabSize;
  const image = tokenizer.imageTokenId;
  const problems: string[] = [];
  const warnings: string[] = [];
  if (pieces > rows) problems.push(`it has ${pieces} pieces but the model has ${rows} embedding rows (text_config.vocab_size)`);
  if (image !== config.image_token_index) problems.push(`its <image> id ${image} differs from config.json's image_token_index ${config.image_token_index}`);
  if (!isId(image, rows)) problems.push(`its <image> id ${image} is outside the ${rows} embedding rows`);
  else if (image < pieces && tokenizer.idToPiece(image) !== "<image>") {
    problems.push(`its <image> id ${image} is also the piece ${JSON.stringify(tokenizer.idToPiece(image))}`);
  }
  const special: [string, number][] = [
    ["tokenizer <bos>", tokenizer.bosId],
    ["tokenizer <eos>", tokenizer.eosId],
    ["tokenizer <pad>", tokenizer.padId],
    ["config bos_token_id", config.bos_token_id],
    ["config pad_token_id", config.pad_token_id],
    ...config.eos_token_ids.map((id): [string, number] => ["config eos_token_id", id]),
  ];
  for (const [what, id] of special) if (!isId(id, pieces)) problems.push(`${what} ${id} is outside its ${pieces} pieces`);
  if (problems.length > 0) throw new TokenizerMismatchError(problems);
  if (tokenizer.bosId !== config.bos_token_id) warnings.push(`tokenizer <bos> is ${tokenizer.bosId}, config.json says ${config.bos_token_id} (prompts use the tokenizer's)`);
  if (!config.eos_token_ids.includes(tokenizer.eosId)) warnings.push(`tokenizer <eos> ${tokenizer.eosId} is not among config.json's eos ids [${config.eos_token_ids.join(", ")}]`);
  const missing = (family: string[]) => family.filter((p) => {
    const id = tokenizer.pieceToId(p);
    return id === undefined || !isId(id, pieces);
  }).length;
  const missingLoc = missing(LOC_PIECES);
  const missingSeg = missing(SEG_PIECES);
  if (missingLoc > 0) warnings.push(`${missingLoc} of the 1024 <locNNNN> pieces are missing: "detect" and "segment" prompts will be refused`);
  if (missingSeg > 0) warnings.push(`${missingSeg} of the 128 <segNNN> pieces are missing: "segment" prompts will be refused`);
  return { hasLocTokens: missingLoc === 0, hasSegTokens: missingSeg === 0, missingLoc, missingSeg, warnings };
}

/** The answer family a PaliGemma prompt asks for: "detect ..." wants <loc>, "segment ..." <loc> and <seg>. */
export function promptTask(prompt: string): "detect" | "segment" | undefined {
  const m = /^\s*(?:<image>)*\s*(detect|segment)\b/i.exec(prompt);
  return m ? (m[1].toLowerCase() as "detect" | "segment") : undefined;
}

/** Throw TokenizerMismatchError when `prompt` asks for boxes or masks the tokenizer cannot spell. */
export function assertPromptSupported(prompt: string, report: TokenizerReport): void {
  const task = promptTask(prompt);
  if (!task) return;
  const problems: string[] = [];
  if (!report.hasLocTokens) problems.push(`a "${task}" prompt needs the <loc0000>..<loc1023> pieces, ${report.missingLoc} are missing`);
  if (task === "segment" && !report.hasSegTokens) problems.push(`a "segment" prompt needs the <seg000>..<seg127> pieces, ${report.missingSeg} are missing`);
  if (problems.length > 0) throw new TokenizerMismatchError(problems);
}
