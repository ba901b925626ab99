// checkTokenizerAgainstConfig on the fixture tokenizers, on a tokenizer.model edited to lose its
// <loc> pieces (same-length renames inside the protobuf: "<loc" -> "<lxc"), and on stubs that
// break one rule at a time.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PaliGemmaTokenizer } from "@paligemma-ts/processor";
import { PaliGemmaError, errorOf } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { type CheckedTokenizer, TokenizerMismatchError, assertPromptSupported, checkTokenizerAgainstConfig, loadPaliGemmaConfig, promptTask } from "../src/index.ts";
import { FIXTURES, fixtureDir } from "./fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "tokenizer-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** tokenizer.model with every occurrence of `from` replaced by `to` (same length: no protobuf lengths change). */
function renamed(from: string, to: string): string {
  const bytes = Buffer.from(readFileSync(join(fixtureDir("paligemma-tiny"), "tokenizer.model")));
  const a = Buffer.from(from);
  for (let i = bytes.indexOf(a); i >= 0; i = bytes.indexOf(a, i + 1)) bytes.set(Buffer.from(to), i);
  const file = join(dir, `${to.replace(/\W/g, "")}.model`);
  writeFileSync(file, bytes);
  return file;
}

function mismatch(f: () => unknown): TokenizerMismatchError {
  const e = errorOf(f);
  expect(e).toBeInstanceOf(TokenizerMismatchError);
  expect(e).toBeInstanceOf(PaliGemmaError);
  return e as TokenizerMismatchError;
}

describe("checkTokenizerAgainstConfig", () => {
  it.each(FIXTURES)("%s: its own tokenizer fits, with every <loc> and <seg> piece", async (name) => {
    const config = loadPaliGemmaConfig(fixtureDir(name));
    const tk = await PaliGemmaTokenizer.load(fixtureDir(name), { imageTokenId: config.image_token_index });
    const report = checkTokenizerAgainstConfig(tk, config);
    expect(report).toMatchObject({ hasLocTokens: true, hasSegTokens: true, missingLoc: 0, missingSeg: 0 });
    expect(() => assertPromptSupported("detect cat ; dog", report)).not.toThrow();
    expect(() => assertPromptSupported("segment cat", report)).not.toThrow();
  });

  it("a tokenizer without <loc> pieces: a warning, and detect/segment prompts are refused", async () => {
    const config = loadPaliGemmaConfig(fixtureDir("paligemma-tiny"));
    const tk = await PaliGemmaTokenizer.load(renamed("<loc", "<lxc"), { imageTokenId: config.image_token_index });
    expect(tk.pieceToId("<loc0000>")).toBeUndefined();
    const report = checkTokenizerAgainstConfig(tk, config);
    expect(report).toMatchObject({ hasLocTokens: false, hasSegTokens: true, missingLoc: 1024 });
    expect(report.warnings.join("\n")).toMatch(/1024 of the 1024 <locNNNN> pieces are missing: "detect" and "segment" prompts will be refused/);
    expect(mismatch(() => assertPromptSupported("detect car", report)).message).toMatch(/a "detect" prompt needs the <loc0000>..<loc1023> pieces, 1024 are missing/);
    expect(() => assertPromptSupported("segment car", report)).toThrow(TokenizerMismatchError);
    expect(() => assertPromptSupported("caption en", report)).not.toThrow();
    expect(() => assertPromptSupported("answer en where is the car?", report)).not.toThrow();
  });

  it("a tokenizer without <seg> pieces refuses only segment prompts", async () => {
    const config = loadPaliGemmaConfig(fixtureDir("paligemma-tiny"));
    const tk = await PaliGemmaTokenizer.load(renamed("<seg", "<sxg"), { imageTokenId: config.image_token_index });
    const report = checkTokenizerAgainstConfig(tk, config);
    expect([report.hasLocTokens, report.hasSegTokens, report.missingSeg]).toEqual([true, false, 128]);
    expect(() => assertPromptSupported("detect car", report)).not.toThrow();
    expect(mismatch(() => assertPromptSupported("<image>segment car", report)).message).toMatch(/"segment" prompt needs the <seg000>..<seg127> pieces, 128 are missing/);
  });

  it("promptTask reads the PaliGemma task prefix", () => {
    expect(["detect cat", "  Detect a ; b", "<image><image>segment x", "caption en", "detective story", "what to detect?"].map(promptTask)).toEqual(["detect", "detect", "segment", undefined, undefined, undefined]);
  });

  describe("refuses mismatches, naming each problem", () => {
    const config = loadPaliGemmaConfig(fixtureDir("paligemma-tiny")); // 1864 embedding rows, <image> 1800
    const stub = (over: Partial<CheckedTokenizer>): CheckedTokenizer => ({
      vocabSize: 1800,
      bosId: 2,
      eosId: 1,
      padId: 0,
      imageTokenId: 1800,
      pieceToId: () => undefined,
      idToPiece: (id) => (id < 1800 ? `p${id}` : undefined),
      ...over,
    });
    it.each([
      [{ vocabSize: 2000 }, /it has 2000 pieces but the model has 1864 embedding rows/],
      [{ imageTokenId: 1801 }, /its <image> id 1801 differs from config.json's image_token_index 1800/],
      [{ vocabSize: 1801, idToPiece: (id: number) => `p${id}` }, /its <image> id 1800 is also the piece "p1800"/],
      [{ bosId: 1800 }, /tokenizer <bos> 1800 is outside its 1800 pieces/],
      [{ padId: -1 }, /tokenizer <pad> -1 is outside its 1800 pieces/],
      [{ eosId: 5000 }, /tokenizer <eos> 5000 is outside/],
    ] as [Partial<CheckedTokenizer>, RegExp][])("%j", (over, message) => {
      expect(mismatch(() => checkTokenizerAgainstConfig(stub(over), config)).message).toMatch(message);
    });

    it("config special ids outside the tokenizer's pieces, and all problems at once", () => {
      const small = stub({ vocabSize: 2, bosId: 1, eosId: 1, padId: 0, idToPiece: (id) => (id < 2 ? `p${id}` : undefined) });
      const e = mismatch(() => checkTokenizerAgainstConfig(small, config));
      expect(e.problems).toEqual(["config bos_token_id 2 is outside its 2 pieces"]);
      const many = mismatch(() => checkTokenizerAgainstConfig(stub({ vocabSize: 2000, imageTokenId: 99999 }), config));
      expect(many.problems.length).toBe(3);
    });

    it("differences that still work are warnings", () => {
      const r = checkTokenizerAgainstConfig(stub({ bosId: 3, pieceToId: (p) => (p.startsWith("<loc") || p.startsWith("<seg") ? 5 : undefined) }), config);
      expect(r.hasLocTokens && r.hasSegTokens).toBe(true);
      expect(r.warnings).toEqual(["tokenizer <bos> is 3, config.json says 2 (prompts use the tokenizer's)"]);
    });
  });
});

describe("wired into the model", () => {
  it("PaliGemma.open reports the missing pieces; generate refuses a detect prompt before any work, caption still runs", async () => {
    const copy = join(dir, "no-loc-model");
    const { mkdirSync, copyFileSync } = await import("node:fs");
    mkdirSync(copy, { recursive: true });
    for (const f of ["config.json", "model.safetensors"]) copyFileSync(join(fixtureDir("paligemma-tiny"), f), join(copy, f));
    copyFileSync(renamed("<loc", "<lxc"), join(copy, "tokenizer.model"));
    const { PaliGemma } = await import("../src/index.ts");
    const opened = await PaliGemma.open(copy);
    expect(opened.tokenizerReport.hasLocTokens).toBe(false);
    const model = await PaliGemma.load(opened, { backend: "reference" });
    const image = { width: 56, height: 56, data: new Uint8Array(56 * 56 * 3) };
    await expect(model.generate({ images: [image], prompts: ["detect cat"], maxNewTokens: 2 })).rejects.toThrow(TokenizerMismatchError);
    expect((await model.generate({ images: [image], prompts: ["caption en"], maxNewTokens: 2, ignoreEos: true })).generatedIds[0]).toHaveLength(2);
    await model.dispose();
    opened.close();
  });
});
