/**
 * tokenizer.ts — PaliGemma's tokenizer: Gemma's SentencePiece model plus the `<image>` token.
 *
 * Teaches: text -> ids is done by the SentencePiece library itself (sentencepiece-js is its wasm
 * build), so ids are identical to Python's `sentencepiece`. Around it sit the PaliGemma facts:
 *
 *   - `<image>` is not a piece of tokenizer.model: it is the id right after the last piece
 *     (257152 for the real PaliGemma, 1800 for the fixtures), or `image_token_index` from config.json.
 *   - `<locNNNN>` (1024 box coordinates) and `<segNNN>` (128 mask codes) are user-defined pieces:
 *     looked up by their string, never by an assumed id.
 *   - The model's embedding matrix has padding rows past the tokenizer (e.g. 257216 rows for 257152
 *     pieces), so generation may emit ids nothing can decode: they decode to "" instead of throwing.
 *   - Control pieces (<pad>, <eos>, <bos>) decode to "" exactly as SentencePiece does.
 *
 * References: https://github.com/google/sentencepiece; Hugging Face `GemmaTokenizer` and
 * `PaliGemmaProcessor` (transformers/models/paligemma/processing_paligemma.py).
 *
 * Leaves out: training, sampling-based (subword regularization) encoding, chat templates.
 */
/// <reference path="./sentencepiece_js.d.ts" />
import { statSync } from "node:fs";
import { join } from "node:path";
import { PaliGemmaError, errorReason, readRegularFile } from "@paligemma-ts/tensor";
import sentencepiece from "sentencepiece-js";
import { type PieceType, type SentencePieceModel, parseSentencePieceModel } from "./sentencepiece_model.ts";

/** tokenizer.model files are a few MB (Gemma's: 4.2 MB); anything past this is refused unread. */
export const MAX_TOKENIZER_BYTES = 100_000_000;

/** The literal PaliGemma uses for an image position in a prompt. */
export const IMAGE_TOKEN = "<image>";

/** tokenizer.model is missing or is not a SentencePiece model. */
export class TokenizerLoadError extends PaliGemmaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_TOKENIZER_LOAD", message, options);
  }
}

/** The part of sentencepiece-js's wasm processor we call. */
interface WasmProcessor {
  encodeIds(text: string): number[];
  decodeIds(ids: number[]): string;
  processor: { status(): { ToString(): string; delete(): void }; PieceToId(view: unknown): number };
}

export interface DecodeOptions {
  /** Drop control pieces, <unk> and <image> (default false). <loc>/<seg> are kept: they carry the answer. */
  skipSpecialTokens?: boolean;
}

export class PaliGemmaTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly imageTokenId: number;
  /** Number of pieces in the SentencePiece model (ids 0 .. vocabSize - 1). */
  readonly vocabSize: number;

  private readonly model: SentencePieceModel;
  private readonly sp: WasmProcessor;
  private readonly ids: Map<string, number>;

  private constructor(model: SentencePieceModel, sp: WasmProcessor, imageTokenId: number | undefined) {
    this.model = model;
    this.sp = sp;
    this.vocabSize = model.pieces.length;
    this.ids = new Map();
    model.pieces.forEach((p, i) => {
      if (!this.ids.has(p)) this.ids.set(p, i);
    });
    // Look special tokens up by their string first; the TrainerSpec ids are the fallback.
    this.bosId = this.ids.get("<bos>") ?? model.bosId;
    this.eosId = this.ids.get("<eos>") ?? model.eosId;
    this.padId = this.ids.get("<pad>") ?? model.padId;
    this.unkId = this.ids.get("<unk>") ?? model.unkId;
    this.imageTokenId = imageTokenId ?? this.ids.get(IMAGE_TOKEN) ?? this.vocabSize;
  }

  /**
   * Load `tokenizer.model` from a file path or from a model directory that contains it.
   * `imageTokenId` overrides the default (the id after the last piece); pass config.json's
   * `image_token_index` when you have it.
   */
  static async load(path: string, options: { imageTokenId?: number } = {}): Promise<PaliGemmaTokenizer> {
    let file = path;
    let bytes: Uint8Array;
    try {
      if (statSync(path).isDirectory()) file = join(path, "tokenizer.model");
      bytes = readRegularFile(file, MAX_TOKENIZER_BYTES); // never blocks on a FIFO, refuses devices
    } catch (e) {
      throw new TokenizerLoadError(`cannot read tokenizer ${file}: ${errorReason(e)}`, { cause: e });
    }
    let model: SentencePieceModel;
    try {
      model = parseSentencePieceModel(bytes);
    } catch (e) {
      throw new TokenizerLoadError(`${file} is not a SentencePiece model: ${(e as Error).message}`, { cause: e });
    }
    const id = options.imageTokenId;
    if (id !== undefined && (!Number.isInteger(id) || id < 0)) {
      throw new TokenizerLoadError(`imageTokenId must be a non-negative integer, got ${id} (loading ${file})`);
    }
    const sp = (await loadWasm(file)) as WasmProcessor;
    const status = sp.processor.status();
    const ok = status.ToString();
    status.delete();
    if (ok !== "OK") throw new TokenizerLoadError(`SentencePiece could not load ${file}: ${ok}`);
    return new PaliGemmaTokenizer(model, sp, id);
  }

  /**
   * Text -> ids, exactly as SentencePiece's EncodeAsIds (no <bos>/<eos> added). A literal "<image>"
   * in the text becomes `imageTokenId`, as it is an added token for Hugging Face's tokenizer; the
   * text between image tokens is encoded piece by piece.
   */
  encode(text: string): number[] {
    if (!text.includes(IMAGE_TOKEN)) return this.encodePlain(text);
    const out: number[] = [];
    text.split(IMAGE_TOKEN).forEach((part, i) => {
      if (i > 0) out.push(this.imageTokenId);
      out.push(...this.encodePlain(part));
    });
    return out;
  }

  /** SentencePiece only, no <image> handling. */
  private encodePlain(text: string): number[] {
    return text === "" ? [] : this.sp.encodeIds(text);
  }

  /**
   * Ids -> text. Matches SentencePiece's DecodeIds on ids inside the vocabulary. Ids past it (the
   * embedding's padding rows), negative or non-integer ids decode to "" and never throw.
   * `<image>` decodes to "<image>" unless `skipSpecialTokens`.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    const skip = options.skipSpecialTokens ?? false;
    let text = "";
    let run: number[] = [];
    const flush = () => {
      if (run.length > 0) text += this.sp.decodeIds(run);
      run = [];
    };
    for (const id of ids) {
      if (id === this.imageTokenId && !this.isPiece(id)) {
        flush();
        if (!skip) text += IMAGE_TOKEN;
        continue;
      }
      if (!this.isPiece(id)) continue; // padding row or garbage: decodes to nothing
      if (skip && this.isSpecial(id)) continue;
      run.push(id);
    }
    flush();
    return text;
  }

  /** The piece string of an id ("<image>" for the image token), or undefined when there is none. */
  idToPiece(id: number): string | undefined {
    if (this.isPiece(id)) return this.model.pieces[id];
    return id === this.imageTokenId ? IMAGE_TOKEN : undefined;
  }

  /** The id of a piece string ("▁cat", "<loc0100>", "<image>"), or undefined. */
  pieceToId(piece: string): number | undefined {
    if (piece === IMAGE_TOKEN) return this.imageTokenId;
    return this.ids.get(piece);
  }

  /** The SentencePiece type of an id; undefined outside the vocabulary. */
  pieceType(id: number): PieceType | undefined {
    return this.isPiece(id) ? this.model.types[id] : undefined;
  }

  /** True for control pieces (<pad>, <eos>, <bos>), <unk> and <image>. */
  isSpecial(id: number): boolean {
    if (id === this.imageTokenId) return true;
    const t = this.pieceType(id);
    return t === "control" || t === "unknown";
  }

  private isPiece(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.vocabSize;
  }
}

/**
 * A TextDecoder that keeps a leading U+FEFF. The emscripten runtime turns every decoded std::string
 * longer than 16 bytes into JS with `new TextDecoder("utf8")`, whose default (ignoreBOM: false)
 * silently drops a byte-order mark at the start, so "\uFEFF" + a long text decoded without its
 * first character while SentencePiece itself keeps it.
 */
class BomKeepingTextDecoder extends TextDecoder {
  constructor(label?: string, options?: ConstructorParameters<typeof TextDecoder>[1]) {
    super(label, { ...options, ignoreBOM: true });
  }
}

/**
 * Load a model into a fresh sentencepiece-js instance. Its emscripten runtime registers process-wide
 * `uncaughtException` / `unhandledRejection` handlers that rethrow: remove the ones it added so a
 * library never changes the host program's error handling. The runtime also creates its UTF-8
 * decoder while it loads, from the global TextDecoder: during the load that global is
 * BomKeepingTextDecoder (restored right after), so decode keeps a leading U+FEFF like SentencePiece.
 */
async function loadWasm(file: string): Promise<unknown> {
  const events = ["uncaughtException", "unhandledRejection"] as const;
  const listeners = (e: (typeof events)[number]) => process.listeners(e as "uncaughtException") as ((...a: unknown[]) => void)[];
  const before = events.map((e) => new Set(listeners(e)));
  const sp = new sentencepiece.SentencePieceProcessor();
  const global = globalThis as { TextDecoder: typeof TextDecoder };
  const original = global.TextDecoder;
  global.TextDecoder = BomKeepingTextDecoder;
  try {
    await sp.load(file);
  } catch (e) {
    throw new TokenizerLoadError(`SentencePiece could not load ${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    global.TextDecoder = original;
    events.forEach((e, i) => {
      for (const l of listeners(e)) if (!before[i].has(l)) process.removeListener(e, l);
    });
  }
  return sp;
}
