/**
 * sentencepiece_model.ts — read the piece table out of a SentencePiece `tokenizer.model` file.
 *
 * Teaches: a `.model` file is one protobuf message (`ModelProto`); the vocabulary is simply the
 * list of pieces in field 1, and a token id is the index of its piece in that list. Each piece has a
 * type that decides how it decodes:
 *
 *   NORMAL (1)        a subword: "▁cat" decodes to " cat" (U+2581 is the space)
 *   UNKNOWN (2)       <unk>, decodes to " ⁇ "
 *   CONTROL (3)       <pad>, <eos>, <bos>: never produced by encode, decode to ""
 *   USER_DEFINED (4)  <locNNNN>, <segNNN>: matched literally by encode, decode to themselves
 *   UNUSED (5)
 *   BYTE (6)          <0xNN>: byte fallback for characters outside the vocabulary
 *
 * Protobuf wire format, the only part needed here: a message is a sequence of (key, value) where
 * key = field_number << 3 | wire_type; wire types 0 = varint, 1 = 8 bytes, 2 = length-delimited,
 * 5 = 4 bytes. Unknown fields are skipped.
 *
 * References: https://github.com/google/sentencepiece/blob/master/src/sentencepiece_model.proto,
 * https://protobuf.dev/programming-guides/encoding/
 *
 * Leaves out: encoding itself (the SentencePiece library does it, through sentencepiece-js) and the
 * normalizer's character map.
 */
import { PaliGemmaError } from "@paligemma-ts/tensor";

export type PieceType = "normal" | "unknown" | "control" | "user_defined" | "unused" | "byte";

const PIECE_TYPES: Record<number, PieceType> = { 1: "normal", 2: "unknown", 3: "control", 4: "user_defined", 5: "unused", 6: "byte" };

export interface SentencePieceModel {
  /** pieces[id] is the piece string of token `id`. */
  pieces: string[];
  types: PieceType[];
  /** Special ids from TrainerSpec (-1 when disabled); defaults are SentencePiece's: unk 0, bos 1, eos 2, pad -1. */
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
  /** NormalizerSpec.add_dummy_prefix (Gemma: false, so no space is added before the first word). */
  addDummyPrefix: boolean;
}

/** The bytes are not a ModelProto (the tokenizer loader wraps it in a TokenizerLoadError naming the file). */
export class SentencePieceModelError extends PaliGemmaError {
  constructor(message: string) {
    super("E_SENTENCEPIECE_MODEL", message);
  }
}
const WireError = SentencePieceModelError;

/** A cursor over protobuf bytes. */
class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
  ) {}

  varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new WireError(`truncated varint at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      // Values above 2^53 never occur in the fields read here; multiply instead of << to stay exact.
      if (shift < 56) result += (b & 0x7f) * 2 ** shift;
      if (!(b & 0x80)) return result;
      shift += 7;
      if (shift > 70) throw new WireError(`varint longer than 10 bytes at byte ${this.pos}`);
    }
  }

  /**
   * int32 fields are encoded as 64-bit two's complement varints (-1 is ten bytes, all high bits
   * set): keep the low 32 bits and read them as signed. (varint() cannot: above 2^53 it is inexact.)
   */
  int32(): number {
    let low = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end) throw new WireError(`truncated varint at byte ${this.pos}`);
      if (shift > 63) throw new WireError(`varint longer than 10 bytes at byte ${this.pos}`);
      const b = this.buf[this.pos++];
      if (shift < 32) low |= (b & 0x7f) << shift; // << wraps to 32 bits: exactly the low word
      if (!(b & 0x80)) return low | 0;
    }
  }

  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.end) throw new WireError(`field of ${n} bytes runs past the end at byte ${this.pos}`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 2) this.bytes();
    else if (wireType === 5) this.pos += 4;
    else throw new WireError(`unsupported wire type ${wireType} at byte ${this.pos}`);
    if (this.pos > this.end) throw new WireError("field runs past the end");
  }

  /** Iterate over (field number, wire type) keys until the end of this message. */
  *fields(): Generator<[number, number]> {
    while (this.pos < this.end) {
      const key = this.varint();
      yield [Math.floor(key / 8), key & 7];
    }
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A piece string; invalid UTF-8 is a malformed model (TextDecoder's TypeError, named). */
function decodePiece(bytes: Uint8Array, index: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WireError(`piece ${index} is not valid UTF-8`);
  }
}

/** Parse a SentencePiece ModelProto. Throws an Error describing the first malformed byte. */
export function parseSentencePieceModel(bytes: Uint8Array): SentencePieceModel {
  const model: SentencePieceModel = { pieces: [], types: [], unkId: 0, bosId: 1, eosId: 2, padId: -1, addDummyPrefix: true };
  const r = new Reader(bytes);
  for (const [field, wire] of r.fields()) {
    if (field === 1 && wire === 2) {
      // message SentencePiece { string piece = 1; float score = 2; Type type = 3 [default = NORMAL]; }
      const sub = r.bytes();
      const pr = new Reader(sub);
      let piece = "";
      let type = 1;
      for (const [f, w] of pr.fields()) {
        if (f === 1 && w === 2) piece = decodePiece(pr.bytes(), model.pieces.length);
        else if (f === 3 && w === 0) type = pr.varint();
        else pr.skip(w);
      }
      model.pieces.push(piece);
      model.types.push(PIECE_TYPES[type] ?? "normal");
    } else if (field === 2 && wire === 2) {
      // TrainerSpec: unk_id = 40, bos_id = 41, eos_id = 42, pad_id = 43.
      const sub = r.bytes();
      const tr = new Reader(sub);
      for (const [f, w] of tr.fields()) {
        if (w === 0 && f >= 40 && f <= 43) {
          const v = tr.int32();
          if (f === 40) model.unkId = v;
          else if (f === 41) model.bosId = v;
          else if (f === 42) model.eosId = v;
          else model.padId = v;
        } else tr.skip(w);
      }
    } else if (field === 3 && wire === 2) {
      // NormalizerSpec: add_dummy_prefix = 3.
      const sub = r.bytes();
      const nr = new Reader(sub);
      for (const [f, w] of nr.fields()) {
        if (f === 3 && w === 0) model.addDummyPrefix = nr.varint() !== 0;
        else nr.skip(w);
      }
    } else {
      r.skip(wire);
    }
  }
  if (model.pieces.length === 0) throw new WireError("no pieces found (not a SentencePiece model?)");
  return model;
}
