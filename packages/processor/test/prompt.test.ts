// Prompt layout against the reference model's input_ids (fixtures/*/golden.json), plus in-place
// <image> expansion, several images, suffix token types and batch padding.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { PaliGemmaTokenizer, type PromptTokenizer, buildPaliGemmaInputs, buildPrompt } from "../src/index.ts";

const fixtures = new URL("../../../fixtures/", import.meta.url);
type Golden = { cases: { prompt: string; input_ids: number[] }[]; score: { prefix: string; suffix: string; input_ids: number[]; prefix_len: number } };
const read = (model: string) => JSON.parse(readFileSync(new URL(`${model}/golden.json`, fixtures), "utf8")) as Golden;
const config = (model: string) => JSON.parse(readFileSync(new URL(`${model}/config.json`, fixtures), "utf8")) as { image_token_index: number; text_config: { num_image_tokens: number } };

let tk: PaliGemmaTokenizer;
beforeAll(async () => {
  tk = await PaliGemmaTokenizer.load(new URL("paligemma-tiny", fixtures).pathname);
});

describe.each(["paligemma-tiny", "paligemma2-tiny"])("reference input_ids (%s)", (model) => {
  const g = read(model);
  const cfg = config(model);
  const numImageTokens = cfg.text_config.num_image_tokens;

  it.each(g.cases)("prompt $prompt", ({ prompt, input_ids }) => {
    const { inputIds, tokenTypeIds } = buildPrompt(tk, { prefix: prompt, numImageTokens });
    expect(inputIds).toEqual(input_ids);
    expect(tokenTypeIds.every((t) => t === 0)).toBe(true);
  });

  it("score: prefix + suffix + <eos>, token types split at prefix_len", () => {
    const { inputIds, tokenTypeIds } = buildPrompt(tk, { prefix: g.score.prefix, suffix: g.score.suffix, numImageTokens });
    expect(inputIds).toEqual(g.score.input_ids);
    expect(tokenTypeIds.indexOf(1)).toBe(g.score.prefix_len);
    expect(tokenTypeIds.slice(g.score.prefix_len).every((t) => t === 1)).toBe(true);
    expect(inputIds.at(-1)).toBe(tk.eosId);
  });
});

// A stub tokenizer makes the layout rules visible: every character is one id (its char code).
const stub: PromptTokenizer = {
  encode: (text: string) => [...text].map((c) => c.charCodeAt(0)),
  bosId: 2,
  eosId: 1,
  padId: 0,
  imageTokenId: 9000,
};
const I = 9000;
const NL = 10;

describe("layout rules", () => {
  it("image tokens x numImageTokens x imagesPerPrompt, <bos>, prefix + newline tokenized together", () => {
    expect(buildPrompt(stub, { prefix: "ab", numImageTokens: 2, imagesPerPrompt: 3 }).inputIds).toEqual([I, I, I, I, I, I, 2, 97, 98, NL]);
  });

  it("the newline merges with the prompt's last piece in the real tokenizer ('?\\n' is one piece)", () => {
    const ids = buildPrompt(tk, { prefix: "answer en What is the cat doing?", numImageTokens: 1 }).inputIds;
    expect(tk.idToPiece(ids.at(-1)!)).toBe("?\n");
    expect(tk.idToPiece(ids[2])).toBe("answer"); // no space piece after <bos>
  });

  it("a prompt that already contains <image> is expanded in place, <bos> after the last one", () => {
    expect(buildPrompt(stub, { prefix: "<image><image>cap", numImageTokens: 2 }).inputIds).toEqual([I, I, I, I, 2, 99, 97, 112, NL]);
    expect(buildPrompt(stub, { prefix: "x<image>y", numImageTokens: 1, imagesPerPrompt: 5 }).inputIds).toEqual([120, I, 2, 121, NL]);
    expect(buildPrompt(tk, { prefix: "<image>caption en", numImageTokens: 16 }).inputIds).toEqual(read("paligemma-tiny").cases[0].input_ids);
  });

  it("an empty prefix still gets <bos> and the newline; an empty suffix still gets <eos>", () => {
    expect(buildPrompt(stub, { prefix: "", suffix: "", numImageTokens: 1 })).toEqual({ inputIds: [I, 2, NL, 1], tokenTypeIds: [0, 0, 0, 1] });
  });
});

describe("batches", () => {
  const prefixes = ["a", "abcd"];

  it("pads on the right by default, with attention mask 0 and token type 0 on padding", () => {
    const b = buildPaliGemmaInputs(stub, { prefixes, numImageTokens: 1 });
    expect(b.inputIds).toEqual([[I, 2, 97, NL, 0, 0, 0], [I, 2, 97, 98, 99, 100, NL]]);
    expect(b.attentionMask).toEqual([[1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1]]);
    expect(b.tokenTypeIds).toEqual([[0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0]]);
  });

  it("pads on the left for generation, to maxLength when given", () => {
    const b = buildPaliGemmaInputs(stub, { prefixes, numImageTokens: 1, paddingSide: "left", maxLength: 8 });
    expect(b.inputIds).toEqual([[0, 0, 0, 0, I, 2, 97, NL], [0, I, 2, 97, 98, 99, 100, NL]]);
    expect(b.attentionMask).toEqual([[0, 0, 0, 0, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1, 1, 1]]);
  });

  it("with suffixes: token type 1 on each suffix and its <eos>", () => {
    const b = buildPaliGemmaInputs(stub, { prefixes, suffixes: ["xy", ""], numImageTokens: 1 });
    expect(b.inputIds[0]).toEqual([I, 2, 97, NL, 120, 121, 1, 0]);
    expect(b.tokenTypeIds[0]).toEqual([0, 0, 0, 0, 1, 1, 1, 0]);
    expect(b.tokenTypeIds[1]).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(b.attentionMask[0]).toEqual([1, 1, 1, 1, 1, 1, 1, 0]);
  });

  it("rejects a row longer than maxLength, mismatched suffixes and a bad padding side", () => {
    expect(() => buildPaliGemmaInputs(stub, { prefixes, numImageTokens: 1, maxLength: 5 })).toThrow(/prompt 1 has 7 tokens/);
    expect(() => buildPaliGemmaInputs(stub, { prefixes, suffixes: ["x"], numImageTokens: 1 })).toThrow(/1 suffixes for 2 prefixes/);
    expect(() => buildPaliGemmaInputs(stub, { prefixes, numImageTokens: 1, paddingSide: "middle" as never })).toThrow(/paddingSide/);
    expect(() => buildPrompt(stub, { prefix: "a", numImageTokens: -1 })).toThrow(/numImageTokens/);
  });
});
