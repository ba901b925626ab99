/**
 * sentencepiece_model_writer.ts — write a SentencePiece `tokenizer.model` (a `ModelProto`), the
 * inverse of sentencepiece_model.ts's reader, so a project can ship its own small vocabulary.
 *
 * Teaches: a tokenizer file is a piece table plus two small settings messages. The fields written:
 *
 *   ModelProto       1 pieces (repeated SentencePiece)   2 trainer_spec   3 normalizer_spec
 *   SentencePiece    1 piece (string)   2 score (float, wire type 5)   3 type (enum)
 *   TrainerSpec      3 model_type (UNIGRAM 1, BPE 2, WORD 3, CHAR 4)   4 vocab_size
 *                    10 character_coverage   25 split_digits   26 allow_whitespace_only_pieces
 *                    31 user_defined_symbols (repeated)   35 byte_fallback
 *                    40 unk_id  41 bos_id  42 eos_id  43 pad_id  45..48 unk/bos/eos/pad piece
 *   NormalizerSpec   1 name   2 precompiled_charsmap (bytes)   3 add_dummy_prefix
 *                    4 remove_extra_whitespaces   5 escape_whitespaces
 *
 * Encoding (protobuf wire format): key = field << 3 | wire_type; varints are little-endian base-128;
 * an int32 field holding a negative number (pad_id -1) is written as its 64-bit two's complement
 * (10 bytes); strings and sub-messages are length-delimited (wire type 2).
 *
 * What the encoder does with it: for a UNIGRAM model, SentencePiece picks the segmentation with the
 * highest sum of piece scores (Viterbi); USER_DEFINED pieces are matched literally first; a
 * character no piece covers becomes <unk>, or its UTF-8 bytes <0xNN> when byte_fallback is on.
 * With the "identity" normalizer and an empty charsmap the text is only whitespace-escaped
 * (" " -> "▁"), as in Gemma's tokenizer.
 *
 * References: https://github.com/google/sentencepiece/blob/master/src/sentencepiece_model.proto,
 * https://protobuf.dev/programming-guides/encoding/
 *
 * Leaves out: training a vocabulary, the normalizer's compiled character map, every TrainerSpec
 * field the encoder ignores (input files, sampling sizes, thread counts).
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import type { PieceType } from "./sentencepiece_model.ts";

export interface SentencePieceEntry {
  piece: string;
  /** Log-probability-like score; UNIGRAM maximizes the sum over a segmentation. */
  score: number;
  type: PieceType;
}

export interface SentencePieceModelSpec {
  pieces: readonly SentencePieceEntry[];
  /** Default "unigram". */
  modelType?: "unigram" | "bpe" | "word" | "char";
  unkId: number;
  bosId: number;
  eosId: number;
  /** -1 when there is no padding piece. */
  padId: number;
  /** Default true: characters outside the vocabulary become <0xNN> byte pieces. */
  byteFallback?: boolean;
  /** Default true: digits never merge with their neighbours (Gemma's setting). */
  splitDigits?: boolean;
  /** Default true: "▁" alone may be a piece (Gemma's setting). */
  allowWhitespaceOnlyPieces?: boolean;
  /** Default false (Gemma: no space is added before the first word). */
  addDummyPrefix?: boolean;
  /** Default false (Gemma keeps repeated spaces). */
  removeExtraWhitespaces?: boolean;
}

const TYPE_IDS: Record<PieceType, number> = { normal: 1, unknown: 2, control: 3, user_defined: 4, unused: 5, byte: 6 };
const MODEL_TYPES = { unigram: 1, bpe: 2, word: 3, char: 4 } as const;

/** Growable byte buffer with the protobuf primitives. */
class Writer {
  private buf = new Uint8Array(1024);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  /** Unsigned varint of a non-negative safe integer. */
  varint(v: number): void {
    let x = v;
    while (x >= 0x80) {
      this.byte((x % 0x80) | 0x80);
      x = Math.floor(x / 0x80);
    }
    this.byte(x);
  }

  /** int32 as protobuf writes it: negative values are sign-extended to 64 bits (10 bytes). */
  int32(v: number): void {
    if (v >= 0) return this.varint(v);
    let x = BigInt.asUintN(64, BigInt(v)); // two's complement
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  float32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer, this.length, 4).setFloat32(0, v, true);
    this.length += 4;
  }

  // field helpers
  varintField(field: number, v: number): void {
    this.key(field, 0);
    this.varint(v);
  }
  int32Field(field: number, v: number): void {
    this.key(field, 0);
    this.int32(v);
  }
  boolField(field: number, v: boolean): void {
    this.varintField(field, v ? 1 : 0);
  }
  stringField(field: number, s: string): void {
    this.key(field, 2);
    this.bytes(utf8.encode(s));
  }
  messageField(field: number, m: Writer): void {
    this.key(field, 2);
    this.bytes(m.finish());
  }
  floatField(field: number, v: number): void {
    this.key(field, 5);
    this.float32(v);
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const utf8 = new TextEncoder();

function checkId(spec: SentencePieceModelSpec, name: "unkId" | "bosId" | "eosId" | "padId", allowNone: boolean): void {
  const id = spec[name];
  const ok = Number.isInteger(id) && ((allowNone && id === -1) || (id >= 0 && id < spec.pieces.length));
  if (!ok) throw new ArgumentError(`writeSentencePieceModel: ${name} must be an id in 0..${spec.pieces.length - 1}${allowNone ? " or -1" : ""}, got ${id}`);
}

/** Serialize a piece table and its settings as a SentencePiece ModelProto (`tokenizer.model` bytes). */
export function writeSentencePieceModel(spec: SentencePieceModelSpec): Uint8Array {
  const { pieces } = spec;
  if (pieces.length === 0) throw new ArgumentError("writeSentencePieceModel: pieces is empty");
  const seen = new Set<string>();
  pieces.forEach((p, i) => {
    if (p.piece === "") throw new ArgumentError(`writeSentencePieceModel: piece ${i} is the empty string`);
    if (seen.has(p.piece)) throw new ArgumentError(`writeSentencePieceModel: piece ${i} ${JSON.stringify(p.piece)} appears twice`);
    if (!(p.type in TYPE_IDS)) throw new ArgumentError(`writeSentencePieceModel: piece ${i} has type ${String(p.type)}, expected one of ${Object.keys(TYPE_IDS).join(", ")}`);
    if (!Number.isFinite(p.score)) throw new ArgumentError(`writeSentencePieceModel: piece ${i} ${JSON.stringify(p.piece)} has score ${p.score}, expected a finite number`);
    seen.add(p.piece);
  });
  checkId(spec, "unkId", false);
  checkId(spec, "bosId", true);
  checkId(spec, "eosId", true);
  checkId(spec, "padId", true);
  if (pieces[spec.unkId].type !== "unknown") throw new ArgumentError(`writeSentencePieceModel: piece unkId=${spec.unkId} has type ${pieces[spec.unkId].type}, expected "unknown"`);
  const modelType = spec.modelType ?? "unigram";
  if (!(modelType in MODEL_TYPES)) throw new ArgumentError(`writeSentencePieceModel: modelType must be one of ${Object.keys(MODEL_TYPES).join(", ")}, got ${String(modelType)}`);
  const byteFallback = spec.byteFallback ?? true;
  if (byteFallback) {
    for (let b = 0; b < 256; b++) {
      const name = `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;
      if (!pieces.some((p) => p.piece === name && p.type === "byte")) throw new ArgumentError(`writeSentencePieceModel: byteFallback needs all 256 byte pieces; ${name} (type "byte") is missing`);
    }
  }

  const out = new Writer();
  for (const p of pieces) {
    const w = new Writer();
    w.stringField(1, p.piece);
    w.floatField(2, p.score);
    w.varintField(3, TYPE_IDS[p.type]);
    out.messageField(1, w);
  }

  const nameOf = (id: number, fallback: string) => (id >= 0 ? pieces[id].piece : fallback);
  const trainer = new Writer();
  trainer.varintField(3, MODEL_TYPES[modelType]);
  trainer.varintField(4, pieces.length);
  trainer.floatField(10, 1);
  trainer.boolField(25, spec.splitDigits ?? true);
  trainer.boolField(26, spec.allowWhitespaceOnlyPieces ?? true);
  for (const p of pieces) if (p.type === "user_defined") trainer.stringField(31, p.piece);
  trainer.boolField(35, byteFallback);
  trainer.int32Field(40, spec.unkId);
  trainer.int32Field(41, spec.bosId);
  trainer.int32Field(42, spec.eosId);
  trainer.int32Field(43, spec.padId);
  trainer.stringField(45, nameOf(spec.unkId, "<unk>"));
  trainer.stringField(46, nameOf(spec.bosId, "<s>"));
  trainer.stringField(47, nameOf(spec.eosId, "</s>"));
  trainer.stringField(48, nameOf(spec.padId, "<pad>"));
  out.messageField(2, trainer);

  const normalizer = new Writer();
  normalizer.stringField(1, "identity");
  normalizer.key(2, 2);
  normalizer.bytes(new Uint8Array(0));
  normalizer.boolField(3, spec.addDummyPrefix ?? false);
  normalizer.boolField(4, spec.removeExtraWhitespaces ?? false);
  normalizer.boolField(5, true);
  out.messageField(3, normalizer);
  return out.finish();
}
