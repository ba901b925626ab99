/**
 * world_tokenizer.ts — a word-level SentencePiece `tokenizer.model` for the world, laid out like Gemma's.
 *
 * Teaches: a tokenizer for a closed world need not be learned: list every word the world writes
 * and give SentencePiece a unigram model in which one whole word always beats any split of it.
 * Layout (the same order as the fixture tokenizers, fixtures/paligemma-tiny/tokenizer.model):
 *
 *   0 <pad>  1 <eos>  2 <bos>                    CONTROL
 *   3 <unk>                                      UNKNOWN
 *   4 .. 1027     <loc0000> .. <loc1023>         USER_DEFINED (matched literally)
 *   1028 .. 1155  <seg000> .. <seg127>           USER_DEFINED
 *   1156 .. 1411  <0x00> .. <0xFF>               BYTE (fallback for anything not below)
 *   1412 ..       "▁", "\n", "?", "0".."9", then the words                         NORMAL
 *   <image>       the id after the last piece    (not a piece; PaliGemmaTokenizer adds it)
 *
 * Words. SentencePiece writes a space as "▁" and glues it to the next word, and Gemma's
 * normalizer adds no dummy prefix, so a word at the start of a string ("caption", the answer
 * "green", the OCR word "kite") and a word after a space ("▁green") are different pieces. The
 * vocabulary holds exactly the forms the grammar (tasks.ts) produces: LEADING words start a
 * prefix or a suffix, FOLLOWING words come after a space. Digits are single pieces (and the
 * trainer spec sets split_digits), so "4821" is 4 | 8 | 2 | 1.
 *
 * Scores. UNIGRAM picks the segmentation with the largest sum of scores. Every normal piece
 * scores -1, so the sum is minus the number of pieces and the fewest pieces win: a whole word (-1)
 * beats any split of it (<= -2). Byte pieces are only used for characters no piece covers.
 *
 * References: sentencepiece/src/unigram_model.cc (Viterbi over piece scores, byte fallback);
 * Gemma's tokenizer.model (layout, identity normalizer, no dummy prefix).
 *
 * Leaves out: subwords (an unseen word becomes bytes), upper case, multilingual prompts ("caption es").
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SentencePieceEntry, PaliGemmaTokenizer, writeSentencePieceModel } from "@paligemma-ts/processor";
import { ArgumentError } from "@paligemma-ts/tensor";
import { COLOR_NAMES } from "./palette.ts";
import { SHAPE_NAMES, SHAPE_PLURALS } from "./shapes.ts";
import { OCR_WORDS } from "./text_scene.ts";

/** SentencePiece's whitespace symbol (U+2581). */
export const SPACE = "\u2581";

/** Words that begin a prefix ("caption en") or a suffix ("a red circle", "green", "kite"). */
export const LEADING_WORDS: readonly string[] = ["caption", "detect", "answer", "ocr", "a", ...COLOR_NAMES, ...OCR_WORDS];

/** Words that follow a space somewhere in the grammar. */
export const FOLLOWING_WORDS: readonly string[] = [
  "en", "how", "many", "what", "color", "is", "the", "a", "and", ";",
  ...COLOR_NAMES, ...SHAPE_NAMES, ...SHAPE_NAMES.map((s) => SHAPE_PLURALS[s]),
];

/** Pieces that are not words: a lone space (before a <loc> after " ; "), the prompt's "\n", "?". */
export const SYMBOL_PIECES: readonly string[] = [SPACE, "\n", "?"];
export const DIGIT_PIECES: readonly string[] = Array.from({ length: 10 }, (_, d) => String(d));

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** The full piece table, in id order. */
export function worldPieces(): SentencePieceEntry[] {
  const pieces: SentencePieceEntry[] = [
    { piece: "<pad>", score: 0, type: "control" },
    { piece: "<eos>", score: 0, type: "control" },
    { piece: "<bos>", score: 0, type: "control" },
    { piece: "<unk>", score: 0, type: "unknown" },
  ];
  for (let i = 0; i < 1024; i++) pieces.push({ piece: `<loc${pad(i, 4)}>`, score: 0, type: "user_defined" });
  for (let i = 0; i < 128; i++) pieces.push({ piece: `<seg${pad(i, 3)}>`, score: 0, type: "user_defined" });
  for (let b = 0; b < 256; b++) pieces.push({ piece: `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, score: 0, type: "byte" });
  const seen = new Set(pieces.map((p) => p.piece));
  const add = (piece: string) => {
    if (seen.has(piece)) return;
    seen.add(piece);
    pieces.push({ piece, score: -1, type: "normal" });
  };
  [...SYMBOL_PIECES, ...DIGIT_PIECES].forEach(add);
  LEADING_WORDS.forEach(add);
  FOLLOWING_WORDS.forEach((w) => add(SPACE + w));
  return pieces;
}

/** The id of `piece` in the world's vocabulary (its index in worldPieces()). */
export function worldPieceId(piece: string): number {
  const id = worldPieces().findIndex((p) => p.piece === piece);
  if (id < 0) throw new ArgumentError(`worldPieceId: ${JSON.stringify(piece)} is not a piece of the world's tokenizer`);
  return id;
}

/** The world's tokenizer.model bytes (deterministic). */
export function worldTokenizerModel(): Uint8Array {
  return writeSentencePieceModel({ pieces: worldPieces(), modelType: "unigram", padId: 0, eosId: 1, bosId: 2, unkId: 3 });
}

/** Write tokenizer.model into `dir` and return its path. */
export function writeWorldTokenizer(dir: string): string {
  const file = join(dir, "tokenizer.model");
  writeFileSync(file, worldTokenizerModel());
  return file;
}

/**
 * The world's tokenizer, loaded through processor's PaliGemmaTokenizer (sentencepiece-js reads a
 * file, so the model is written to `dir`, or else to a temporary directory removed once loaded:
 * the tokenizer keeps the bytes it read, not the file).
 */
export async function loadWorldTokenizer(dir?: string): Promise<PaliGemmaTokenizer> {
  if (dir !== undefined) return PaliGemmaTokenizer.load(writeWorldTokenizer(dir));
  const tmp = mkdtempSync(join(tmpdir(), "paligemma-world-"));
  try {
    return await PaliGemmaTokenizer.load(writeWorldTokenizer(tmp));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
