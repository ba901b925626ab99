// The world's tokenizer.model: Gemma's layout (specials, <loc>, <seg>, bytes, then words, <image>
// after the last piece), small, deterministic, and — through the real PaliGemmaTokenizer — every
// text the world generates encodes to the word-level pieces a hand-written segmenter predicts,
// with no byte fallback, and decodes back exactly.
import { readFileSync } from "node:fs";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaliGemmaTokenizer } from "@paligemma-ts/processor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPACE, SPLITS, loadWorldTokenizer, splitExamples, worldConfig, worldPieces, worldTokenizerModel } from "../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "world-tokenizer-"));
let tk: PaliGemmaTokenizer;
beforeAll(async () => {
  tk = await loadWorldTokenizer(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * What the pieces should be, by the grammar's own rules (independent of SentencePiece): <loc>,
 * "\n" and "?" stand alone; a word at the start of a run is its plain piece (a digit string is one
 * piece per digit); every word after a space is "▁word"; a space before a <loc> is "▁".
 */
function expectedPieces(text: string): string[] {
  const out: string[] = [];
  for (const chunk of text.split(/(<loc\d{4}>|\n|\?)/)) {
    if (chunk === "") continue;
    if (/^(<loc\d{4}>|\n|\?)$/.test(chunk)) {
      out.push(chunk);
      continue;
    }
    chunk.split(" ").forEach((word, i) => {
      if (i > 0) out.push(SPACE + word);
      else if (/^\d+$/.test(word)) out.push(...word);
      else if (word !== "") out.push(word);
    });
  }
  return out;
}

describe("layout", () => {
  it("pad 0 / eos 1 / bos 2 / unk 3, <loc> 4..1027, <seg> 1028..1155, bytes 1156..1411, words after, <image> last + 1", () => {
    expect([tk.padId, tk.eosId, tk.bosId, tk.unkId]).toEqual([0, 1, 2, 3]);
    expect(["<pad>", "<eos>", "<bos>", "<unk>"].map((p) => tk.pieceToId(p))).toEqual([0, 1, 2, 3]);
    expect(tk.pieceToId("<loc0000>")).toBe(4);
    expect(tk.pieceToId("<loc1023>")).toBe(1027);
    expect(tk.pieceToId("<seg000>")).toBe(1028);
    expect(tk.pieceToId("<seg127>")).toBe(1155);
    expect(tk.pieceToId("<0x00>")).toBe(1156);
    expect(tk.pieceToId("<0xFF>")).toBe(1411);
    expect(tk.pieceType(4)).toBe("user_defined");
    expect(tk.pieceType(1156)).toBe("byte");
    expect(tk.pieceType(1412)).toBe("normal");
    expect(tk.imageTokenId).toBe(tk.vocabSize);
    expect(tk.vocabSize).toBe(worldPieces().length);
    console.log(`world vocabulary: ${tk.vocabSize} pieces (${tk.vocabSize - 1412} word pieces) + <image> = ${tk.vocabSize + 1} embedding rows`);
    expect(tk.vocabSize).toBeLessThan(1550);
  });

  it("the bytes are deterministic, the file loaded is exactly them, and it is small (< 50 kB)", () => {
    const a = worldTokenizerModel();
    expect(Buffer.from(worldTokenizerModel()).equals(Buffer.from(a))).toBe(true);
    expect(Buffer.from(readFileSync(join(dir, "tokenizer.model"))).equals(Buffer.from(a))).toBe(true);
    expect(a.length).toBeLessThan(50_000); // ~20 bytes per piece + the user-defined list in TrainerSpec
  });

  it("words are single pieces with and without the leading space, as the grammar uses them", () => {
    for (const p of ["caption", "detect", "answer", "ocr", "a", `${SPACE}a`, `${SPACE}and`, `${SPACE}circle`, `${SPACE}stars`, "green", `${SPACE}green`, "kite", `${SPACE};`, SPACE, "\n", "?", "7"]) {
      expect(tk.pieceToId(p), JSON.stringify(p)).toBeDefined();
      expect(tk.pieceType(tk.pieceToId(p)!)).toBe("normal");
    }
    expect(tk.pieceToId("42")).toBeUndefined(); // numbers are spelled digit by digit
  });
});

describe("round trips", () => {
  it("every prefix and suffix of 6,000 examples encodes to the expected word pieces, no bytes, and decodes exactly", () => {
    const config = worldConfig();
    const texts = new Set<string>();
    for (const split of SPLITS) for (const e of splitExamples(split, 0, 2000, config)) texts.add(e.prefix + "\n").add(e.suffix);
    let tokens = 0;
    for (const text of texts) {
      const ids = tk.encode(text);
      const pieces = ids.map((id) => tk.idToPiece(id));
      expect(pieces, JSON.stringify(text)).toEqual(expectedPieces(text));
      for (const id of ids) expect(tk.pieceType(id), `${JSON.stringify(text)} -> ${id}`).not.toBe("byte");
      expect(ids).not.toContain(tk.unkId);
      expect(tk.decode(ids)).toBe(text);
      tokens += ids.length;
    }
    console.log(`${texts.size} distinct texts, ${tokens} tokens, all word-level`);
    expect(texts.size).toBeGreaterThan(2000);
  });

  it("text outside the world still round-trips, through byte fallback", () => {
    for (const text of ["Hello, World!", "caption fr", "é 😀"]) {
      const ids = tk.encode(text);
      expect(ids.some((id) => tk.pieceType(id) === "byte")).toBe(true);
      expect(tk.decode(ids)).toBe(text);
    }
  });

  it("without a folder it loads through a temporary one and leaves nothing behind in the temp dir", async () => {
    const leftovers = () => readdirSync(tmpdir()).filter((f) => f.startsWith("paligemma-world-")).length;
    const before = leftovers();
    const loaded = await loadWorldTokenizer();
    expect(leftovers()).toBe(before);
    expect(loaded.encode("caption en\n")).toEqual(tk.encode("caption en\n")); // still works after its file is gone
  });
});
