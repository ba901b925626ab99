// Tokenizer against the SentencePiece goldens (fixtures/processor/golden.json, made with the Python
// sentencepiece library) and the reference model's greedy decodes; <image>, specials, bad ids, bad files.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PaliGemmaError } from "@paligemma-ts/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaliGemmaTokenizer, TokenizerLoadError } from "../src/index.ts";
import { SentencePieceModelError, parseSentencePieceModel } from "../src/sentencepiece_model.ts";

const fixtures = new URL("../../../fixtures/", import.meta.url);
const golden = JSON.parse(readFileSync(new URL("processor/golden.json", fixtures), "utf8")) as {
  tokenizer: { text: string; ids: number[]; pieces: string[] }[];
  decode: { ids: number[]; text: string }[];
  piece_size: number;
};
const modelDir = new URL("paligemma-tiny", fixtures).pathname;

let tk: PaliGemmaTokenizer;
beforeAll(async () => {
  tk = await PaliGemmaTokenizer.load(modelDir);
});

describe("SentencePiece goldens", () => {
  it.each(golden.tokenizer)("encode $text", ({ text, ids, pieces }) => {
    expect(tk.encode(text)).toEqual(ids);
    expect(ids.map((id) => tk.idToPiece(id))).toEqual(pieces);
    expect(pieces.map((p) => tk.pieceToId(p))).toEqual(ids);
  });

  it.each(golden.decode)("decode $ids", ({ ids, text }) => {
    expect(tk.decode(ids)).toBe(text);
  });

  it("every encode case round-trips through decode", () => {
    for (const { text, ids } of golden.tokenizer) expect(tk.decode(ids)).toBe(text);
  });

  it("decodes the reference model's greedy outputs, including ids past the vocabulary", () => {
    for (const model of ["paligemma-tiny", "paligemma2-tiny"]) {
      const g = JSON.parse(readFileSync(new URL(`${model}/golden.json`, fixtures), "utf8")) as { cases: { greedy_ids: number[]; greedy_text: string }[] };
      for (const c of g.cases) expect(tk.decode(c.greedy_ids)).toBe(c.greedy_text);
    }
  });
});

describe("PaliGemma vocabulary facts", () => {
  it("special ids are looked up by string; <image> is the id after the last piece", () => {
    expect(tk.vocabSize).toBe(golden.piece_size);
    expect([tk.padId, tk.eosId, tk.bosId, tk.unkId]).toEqual([0, 1, 2, 3]);
    expect(tk.imageTokenId).toBe(1800);
    const config = JSON.parse(readFileSync(new URL("paligemma-tiny/config.json", fixtures), "utf8")) as { image_token_index: number };
    expect(tk.imageTokenId).toBe(config.image_token_index);
    expect(tk.pieceToId("<image>")).toBe(1800);
    expect(tk.idToPiece(1800)).toBe("<image>");
  });

  it("<locNNNN> and <segNNN> are single pieces found by their string", () => {
    for (const n of [0, 1, 512, 1023]) expect(tk.idToPiece(tk.pieceToId(`<loc${String(n).padStart(4, "0")}>`)!)).toBe(`<loc${String(n).padStart(4, "0")}>`);
    for (const n of [0, 42, 127]) expect(tk.encode(`<seg${String(n).padStart(3, "0")}>`)).toHaveLength(1);
    expect(tk.pieceToId("<loc1024>")).toBeUndefined();
    expect(tk.pieceToId("<seg128>")).toBeUndefined();
  });

  it("imageTokenId can come from config.json's image_token_index", async () => {
    const other = await PaliGemmaTokenizer.load(join(modelDir, "tokenizer.model"), { imageTokenId: 1850 });
    expect(other.imageTokenId).toBe(1850);
    expect(other.encode("<image>hi")[0]).toBe(1850);
  });

  it("a literal <image> in text becomes the image token", () => {
    expect(tk.encode("<image><image>caption en\n")).toEqual([1800, 1800, 1570, 1434, 1784]);
  });
});

describe("decode never throws", () => {
  it("ids past the vocabulary (embedding padding rows), negative and fractional ids decode to ''", () => {
    expect(tk.decode([1801, 1863, 5000, -1, 2.5])).toBe("");
    expect(tk.decode([1570, 1850, 1434])).toBe("caption en");
    expect(tk.idToPiece(1850)).toBeUndefined();
    expect(tk.idToPiece(-1)).toBeUndefined();
  });

  it("control tokens decode to '' like SentencePiece; skipSpecialTokens also drops <image> and <unk>", () => {
    const ids = [1800, 1800, 2, 1570, 1434, 1784, 104, 1517, 1, 0, 0];
    expect(tk.decode(ids)).toBe("<image><image>caption en\n<loc0100> cat");
    expect(tk.decode(ids, { skipSpecialTokens: true })).toBe("caption en\n<loc0100> cat");
    expect(tk.decode([3, 1517])).toBe(" ⁇  cat");
    expect(tk.decode([3, 1517], { skipSpecialTokens: true })).toBe(" cat");
    expect(tk.isSpecial(1)).toBe(true);
    expect(tk.isSpecial(104)).toBe(false);
  });

  it("empty input", () => {
    expect(tk.encode("")).toEqual([]);
    expect(tk.decode([])).toBe("");
  });

  it("a leading U+FEFF survives decode, as SentencePiece keeps it (short and long texts)", () => {
    // The byte-fallback pieces <0xEF><0xBB><0xBF> spell the BOM. Texts over 16 bytes went through
    // the runtime's TextDecoder, whose default drops a leading BOM.
    for (const text of ["\uFEFFhi", "\uFEFFhello world, this is a longer text", "a\uFEFFhello world, this is a longer text"]) {
      const ids = tk.encode(text);
      expect(ids.slice(0, 3).map((id) => tk.idToPiece(id))).toEqual(text.startsWith("a") ? ["a", "<0xEF>", "<0xBB>"] : ["<0xEF>", "<0xBB>", "<0xBF>"]);
      expect(tk.decode(ids)).toBe(text);
    }
  });

  it("loading leaves the global TextDecoder as it was", () => {
    expect(new TextDecoder("utf-8").decode(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]))).toBe("a");
  });
});

describe("loading", () => {
  const dir = mkdtempSync(join(tmpdir(), "processor-tokenizer-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("loads the PaliGemma 2 fixture tokenizer with the same ids", async () => {
    const tk2 = await PaliGemmaTokenizer.load(new URL("paligemma2-tiny", fixtures).pathname);
    for (const { text, ids } of golden.tokenizer) expect(tk2.encode(text)).toEqual(ids);
  });

  it("does not leave SentencePiece's process-wide error handlers behind", async () => {
    const before = [process.listenerCount("uncaughtException"), process.listenerCount("unhandledRejection")];
    await PaliGemmaTokenizer.load(modelDir);
    expect([process.listenerCount("uncaughtException"), process.listenerCount("unhandledRejection")]).toEqual(before);
  });

  it("a piece that is not valid UTF-8 is a typed error, in the reader and through load (found by fuzz_tokenizer)", async () => {
    const bytes = Buffer.from(readFileSync(join(modelDir, "tokenizer.model")));
    const at = bytes.indexOf(Buffer.from("<loc0000>"));
    bytes[at + 1] = 0xff; // not UTF-8
    expect(() => parseSentencePieceModel(bytes)).toThrow(SentencePieceModelError);
    expect(() => parseSentencePieceModel(bytes)).toThrow(/piece \d+ is not valid UTF-8/);
    const bad = join(dir, "bad-utf8.model");
    writeFileSync(bad, bytes);
    await expect(PaliGemmaTokenizer.load(bad)).rejects.toThrow(TokenizerLoadError);
  });

  it("a missing file or a non-model file is a TokenizerLoadError naming it", async () => {
    const missing = join(dir, "nope.model");
    await expect(PaliGemmaTokenizer.load(missing)).rejects.toThrow(TokenizerLoadError);
    await expect(PaliGemmaTokenizer.load(missing)).rejects.toThrow(/nope\.model/);
    const bad = join(dir, "bad.model");
    writeFileSync(bad, "{ not: protobuf }");
    const err = await PaliGemmaTokenizer.load(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenizerLoadError);
    expect(err).toBeInstanceOf(PaliGemmaError);
    expect((err as Error).message).toContain(bad);
    await expect(PaliGemmaTokenizer.load(dir)).rejects.toThrow(/tokenizer\.model/); // a directory without one
  });
});
