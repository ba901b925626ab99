/**
 * text_streamer.test.ts — streamed TokenEvent.text is the new text only: byte-fallback characters
 * ("é" = <0xC3><0xA9>, an emoji = 4 byte pieces) are held back until complete, nothing is repeated,
 * and the events' text concatenates to the final answer, for generate's onToken and for stream().
 * The decoder is scripted (its logits pick a fixed id sequence) so the answer contains those bytes.
 */
import { Tensor } from "@paligemma-ts/tensor";
import { PaliGemmaTokenizer } from "@paligemma-ts/processor";
import { beforeAll, describe, expect, it } from "vitest";
import { type DecoderRunner, PaliGemma, TextStreamer, type TokenEvent } from "../src/index.ts";
import { fixtureDir, readGolden } from "./fixtures.ts";

const DIR = fixtureDir("paligemma-tiny");

let model: PaliGemma;
let tokenizer: PaliGemmaTokenizer;
let id: (piece: string) => number;
beforeAll(async () => {
  model = await PaliGemma.load(DIR, { backend: "reference" }); // the generation logic under test is shared by both backends
  tokenizer = model.tokenizer;
  id = (piece) => {
    const i = tokenizer.pieceToId(piece);
    if (i === undefined) throw new Error(`fixture tokenizer has no piece ${piece}`);
    return i;
  };
});

const decode = (ids: readonly number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });

/** A model whose decoder ignores its input and picks `script[k]` at its k-th forward (greedy one-hot logits). */
function scripted(script: readonly number[]): PaliGemma {
  const V = model.config.text_config.vocab_size;
  let calls = 0;
  const decoder: DecoderRunner = {
    embed: (ids) => model.decoder.embed(ids),
    createCache: (b, n) => model.decoder.createCache(b, n),
    forward: async (input) => {
      const B = input.positions.length;
      const logits = new Float32Array(B * V);
      for (let b = 0; b < B; b++) logits[b * V + script[Math.min(calls, script.length - 1)]] = 1;
      calls++;
      return { logits: new Tensor("float32", [B, 1, V], logits) };
    },
    dispose: async () => {},
  };
  return PaliGemma.fromRunners(model.config, tokenizer, model.vision, decoder);
}

describe("TextStreamer (fixture tokenizer, byte fallback)", () => {
  it('holds back <0xC3> until <0xA9> makes "é"; deltas add up to the decoded text', () => {
    const ids = tokenizer.encode("a café 😀 ok");
    expect(ids).toContain(id("<0xC3>")); // the fixture really uses byte fallback here
    const s = new TextStreamer(decode);
    const deltas = ids.map((i) => s.push(i));
    deltas.push(s.flush());
    console.log("deltas:", JSON.stringify(deltas));
    expect(deltas.join("")).toBe("a café 😀 ok");
    expect(deltas.some((d) => d.includes("\uFFFD"))).toBe(false);
    expect(deltas[ids.indexOf(id("<0xC3>"))]).toBe("");
    expect(deltas[ids.indexOf(id("<0xA9>"))]).toBe("é");
  });

  it("flush hands out an unfinished character as the decoder renders it, once", () => {
    const s = new TextStreamer(decode);
    const ca = s.push(id("▁ca"));
    expect(ca).toBe(decode([id("▁ca")]));
    expect(s.push(id("<0xF0>"))).toBe("");
    expect(s.push(id("<0x9F>"))).toBe("");
    const rest = s.flush();
    expect(rest).toMatch(/^\uFFFD+$/); // SentencePiece renders each stray byte as U+FFFD
    expect(ca + rest).toBe(decode([id("▁ca"), id("<0xF0>"), id("<0x9F>")]));
    expect(s.flush()).toBe("");
  });
});

describe("streamed TokenEvent.text through generate and stream", () => {
  // "a café 😀" then an emoji cut after two bytes, then <eos>: the answer ends in unfinished bytes (U+FFFD).
  const answer = () => [...tokenizer.encode("a café 😀"), id("<0xF0>"), id("<0x9F>"), model.config.eos_token_ids[0]];
  const request = (onToken?: (e: TokenEvent) => void) => ({ images: readGolden("paligemma-tiny").read("pixel_values"), prompts: ["caption en"], maxNewTokens: 20, onToken });

  it("onToken deltas never repeat and concatenate to texts[0]", async () => {
    const script = answer();
    const events: TokenEvent[] = [];
    const out = await scripted(script).generate(request((e) => events.push(e)));
    expect(out.generatedIds[0]).toEqual(script);
    const streamed = events.map((e) => e.text);
    console.log("onToken texts:", JSON.stringify(streamed), "final:", JSON.stringify(out.texts[0]));
    expect(out.texts[0]).toBe(decode(script));
    expect(out.texts[0]).toMatch(/^a café 😀\uFFFD+$/);
    expect(streamed.join("")).toBe(out.texts[0]);
    expect(streamed[script.indexOf(id("<0xC3>"))]).toBe(""); // held back: "caf\uFFFD" is not emitted
    expect(streamed[script.indexOf(id("<0xA9>"))]).toBe("é"); // only the new character, not "a café" again
    expect(events.map((e) => e.tokenId)).toEqual(script);
  });

  it("stream() text concatenates to generate's answer; a completed byte sequence adds only its character", async () => {
    const script = answer();
    const m = scripted(script);
    const texts: string[] = [];
    for await (const e of m.stream(request())) texts.push(e.text);
    expect(texts.join("")).toBe(decode(script));
    expect(texts.join("")).toMatch(/^a café 😀\uFFFD+$/);
    expect(texts[script.indexOf(id("<0xA9>"))]).toBe("é");
    expect(texts).toContain("😀");
  });

  it("without eos (maxNewTokens reached) the held-back tail is flushed with the last token", async () => {
    const script = [id("▁ca"), id("<0xC3>")];
    const events: TokenEvent[] = [];
    const out = await scripted(script).generate({ ...request((e) => events.push(e)), maxNewTokens: 2, ignoreEos: true });
    expect(events.map((e) => e.text)).toEqual([decode([id("▁ca")]), "\uFFFD"]);
    expect(events.map((e) => e.text).join("")).toBe(out.texts[0]);
  });
});
