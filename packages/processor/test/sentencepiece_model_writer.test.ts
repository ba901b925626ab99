// writeSentencePieceModel: its bytes read back through the reader (PaliGemmaTokenizer's piece table)
// and through SentencePiece itself (sentencepiece-js), for a unigram vocabulary and for the fixture's
// own piece table; the wire details (negative int32, float scores) and the argument checks.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArgumentError } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { PaliGemmaTokenizer, type SentencePieceEntry, type SentencePieceModelSpec, writeSentencePieceModel } from "../src/index.ts";
import { parseSentencePieceModel } from "../src/sentencepiece_model.ts";

const dir = mkdtempSync(join(tmpdir(), "spm-writer-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const byte = (b: number) => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`;

/** pad 0 / eos 1 / bos 2 / unk 3, four locs, 256 bytes, then `words` (score -1 each). */
function smallSpec(words: string[]): SentencePieceModelSpec {
  const pieces: SentencePieceEntry[] = [
    { piece: "<pad>", score: 0, type: "control" },
    { piece: "<eos>", score: 0, type: "control" },
    { piece: "<bos>", score: 0, type: "control" },
    { piece: "<unk>", score: 0, type: "unknown" },
    ...[0, 1, 2, 3].map((i): SentencePieceEntry => ({ piece: `<loc000${i}>`, score: 0, type: "user_defined" })),
    ...Array.from({ length: 256 }, (_, b): SentencePieceEntry => ({ piece: byte(b), score: 0, type: "byte" })),
    ...words.map((piece): SentencePieceEntry => ({ piece, score: -1, type: "normal" })),
  ];
  return { pieces, padId: 0, eosId: 1, bosId: 2, unkId: 3 };
}

async function load(spec: SentencePieceModelSpec, name: string): Promise<PaliGemmaTokenizer> {
  const file = join(dir, name);
  writeFileSync(file, writeSentencePieceModel(spec));
  return PaliGemmaTokenizer.load(file);
}

describe("writeSentencePieceModel", () => {
  const words = ["\u2581", "\n", "a", "\u2581red", "\u2581circle", "\u2581and", "\u2581a", "cat", "1", "2"];

  it("reads back through the reader: pieces, types, special ids, no dummy prefix", () => {
    const spec = smallSpec(words);
    const m = parseSentencePieceModel(writeSentencePieceModel(spec));
    expect(m.pieces).toEqual(spec.pieces.map((p) => p.piece));
    expect(m.types).toEqual(spec.pieces.map((p) => p.type));
    expect([m.padId, m.eosId, m.bosId, m.unkId]).toEqual([0, 1, 2, 3]);
    expect(m.addDummyPrefix).toBe(false);
  });

  it("SentencePiece loads it: whole words win, <loc> is literal, unknown characters fall back to bytes", async () => {
    const tk = await load(smallSpec(words), "small.model");
    const pieces = (t: string) => tk.encode(t).map((id) => tk.idToPiece(id));
    expect(pieces("a red circle and a red circle")).toEqual(["a", "\u2581red", "\u2581circle", "\u2581and", "\u2581a", "\u2581red", "\u2581circle"]);
    expect(pieces("<loc0002> red\n")).toEqual(["<loc0002>", "\u2581red", "\n"]);
    expect(pieces("12")).toEqual(["1", "2"]);
    expect(pieces("xé")).toEqual([byte(0x78), byte(0xc3), byte(0xa9)]);
    for (const t of ["a red circle and a red circle", "<loc0002> red\n", "xé", "cat  a"]) expect(tk.decode(tk.encode(t))).toBe(t);
    expect(tk.imageTokenId).toBe(smallSpec(words).pieces.length);
  });

  it("scores decide between segmentations (a better-scored split beats the whole word)", async () => {
    const spec = smallSpec(["c", "at", "cat"]);
    const tk = await load(spec, "scores-whole.model");
    expect(tk.encode("cat").map((id) => tk.idToPiece(id))).toEqual(["cat"]);
    const split = smallSpec(["c", "at", "cat"]);
    split.pieces = split.pieces.map((p) => (p.piece === "cat" ? { ...p, score: -5 } : p));
    const tk2 = await load(split, "scores-split.model");
    expect(tk2.encode("cat").map((id) => tk2.idToPiece(id))).toEqual(["c", "at"]);
  });

  it("rewrites the fixture's piece table so SentencePiece gives the same ids for every piece", async () => {
    const fixture = parseSentencePieceModel(readFileSync(new URL("../../../fixtures/paligemma-tiny/tokenizer.model", import.meta.url)));
    const pieces = fixture.pieces.map((piece, i): SentencePieceEntry => ({ piece, type: fixture.types[i], score: fixture.types[i] === "normal" ? -1 : 0 }));
    const tk = await load({ pieces, padId: fixture.padId, eosId: fixture.eosId, bosId: fixture.bosId, unkId: fixture.unkId }, "fixture-table.model");
    expect(tk.vocabSize).toBe(fixture.pieces.length);
    fixture.pieces.forEach((p, id) => expect(tk.pieceToId(p)).toBe(id));
    // every normal piece is itself the best (single-piece) segmentation of its own text
    const normal = fixture.pieces.filter((p, i) => fixture.types[i] === "normal" && !p.includes("\u2581"));
    for (const p of normal) expect(tk.encode(p)).toEqual([tk.pieceToId(p)]);
  });

  it("writes a negative int32 (pad_id -1) as ten bytes that read back as -1", () => {
    const spec = smallSpec(words);
    spec.pieces = spec.pieces.map((p, i) => (i === 0 ? { ...p, piece: "<mask>", type: "unused" } : p));
    const m = parseSentencePieceModel(writeSentencePieceModel({ ...spec, padId: -1 }));
    expect(m.padId).toBe(-1);
  });

  it("rejects what SentencePiece would refuse, naming the argument", () => {
    const ok = smallSpec(words);
    const bad: [string, SentencePieceModelSpec, RegExp][] = [
      ["empty", { ...ok, pieces: [] }, /pieces is empty/],
      ["duplicate", { ...ok, pieces: [...ok.pieces, ok.pieces[270]] }, /appears twice/],
      ["unk type", { ...ok, unkId: 0 }, /unkId=0 has type control, expected "unknown"/],
      ["id range", { ...ok, bosId: 99999 }, /bosId must be an id/],
      ["score", { ...ok, pieces: ok.pieces.map((p, i) => (i === 270 ? { ...p, score: Number.NaN } : p)) }, /score NaN/],
      ["bytes", { ...ok, pieces: ok.pieces.filter((p) => p.piece !== byte(0x41)) }, /<0x41>/],
    ];
    for (const [, spec, message] of bad) {
      expect(() => writeSentencePieceModel(spec)).toThrow(ArgumentError);
      expect(() => writeSentencePieceModel(spec)).toThrow(message);
    }
  });
});
