/**
 * generate_checks.test.ts — generate / stream refuse bad requests with an ArgumentError naming the
 * argument, BEFORE the vision tower runs: a prompt + maxNewTokens past max_position_embeddings
 * (exactly at the limit is fine, one more is not), a bad maxNewTokens, bad sampling options or seed.
 * Also: timings.decodeMsPerToken and score's suffixLength.
 */
import { ArgumentError, Tensor } from "@paligemma-ts/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import { PaliGemma, type VisionRunner } from "../src/index.ts";
import { fixtureDir, readGolden } from "./fixtures.ts";

const LIMIT = 40; // a small max_position_embeddings so a short prompt reaches it

let model: PaliGemma;
let pixels: Tensor;
let encodes = 0;
/** The tiny model with max_position_embeddings = LIMIT and a vision tower that counts its runs. */
let limited: PaliGemma;
beforeAll(async () => {
  model = await PaliGemma.load(fixtureDir("paligemma-tiny"), { backend: "reference" }); // the checks are shared by both backends
  pixels = readGolden("paligemma-tiny").read("pixel_values");
  const vision: VisionRunner = { encode: (p) => (encodes++, model.vision.encode(p)), project: (h) => model.vision.project(h), dispose: async () => {} };
  const config = { ...model.config, text_config: { ...model.config.text_config, max_position_embeddings: LIMIT } };
  limited = PaliGemma.fromRunners(config, model.tokenizer, vision, model.decoder);
});

describe("generate: prompt + maxNewTokens must fit max_position_embeddings", () => {
  it("accepts exactly the limit and refuses one more token, before the vision tower", async () => {
    const prompt = "caption en";
    const n = limited.promptIds(prompt).ids.length;
    const room = LIMIT - n;
    console.log(`prompt ${n} tokens, limit ${LIMIT}: room for ${room} new tokens`);
    expect(room).toBeGreaterThan(1);
    const ok = await limited.generate({ images: pixels, prompts: [prompt], maxNewTokens: room, ignoreEos: true });
    expect(ok.generatedIds[0]).toHaveLength(room); // the last token sits at position n + room = LIMIT
    encodes = 0;
    const tooLong = limited.generate({ images: pixels, prompts: [prompt], maxNewTokens: room + 1 });
    await expect(tooLong).rejects.toThrow(ArgumentError);
    await expect(limited.generate({ images: pixels, prompts: [prompt], maxNewTokens: room + 1 })).rejects.toThrow(
      new RegExp(`prompt too long for the model: ${n} tokens .*\\+ ${room + 1} new tokens = ${n + room + 1} positions > text_config.max_position_embeddings ${LIMIT}`),
    );
    expect(encodes).toBe(0);
  });

  it("checks the longest row of a batch, for token-id prompts and for stream()", async () => {
    const short = limited.promptIds("caption en").ids;
    const long = [...short.slice(0, -1), ...new Array<number>(10).fill(short.at(-2)!), short.at(-1)!];
    const both = { images: twice(pixels), prompts: [short, long], maxNewTokens: LIMIT - long.length + 1 };
    encodes = 0;
    await expect(limited.generate(both)).rejects.toThrow(new RegExp(`prompt too long for the model: ${long.length} tokens \\(row 1\\)`));
    const drain = async () => {
      for await (const _ of limited.stream(both)); // eslint-disable-line no-empty
    };
    await expect(drain()).rejects.toThrow(ArgumentError);
    expect(encodes).toBe(0);
  });
});

describe("generate: argument checks before the vision tower", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["maxNewTokens -1", { maxNewTokens: -1 }, /maxNewTokens must be a non-negative integer, got -1/],
    ["maxNewTokens 2.5", { maxNewTokens: 2.5 }, /maxNewTokens must be a non-negative integer, got 2.5/],
    ["maxNewTokens NaN", { maxNewTokens: Number.NaN }, /maxNewTokens must be a non-negative integer, got NaN/],
    ["temperature -1", { temperature: -1 }, /temperature/],
    ["topK 1.5", { topK: 1.5 }, /topK/],
    ["topP 0", { topP: 0 }, /topP/],
    ["seed 0.5", { seed: 0.5 }, /seed must be an integer in \[0, 4294967295\].*got 0.5/],
    ["seed -1", { seed: -1 }, /seed must be an integer in \[0, 4294967295\].*got -1/],
    ["seed 2^32 - 1 with two rows (row 1 would need 2^32)", { seed: 2 ** 32 - 1, prompts: ["caption en", "caption en"], images: "two" }, /row 1 uses seed \+ 1/],
  ];
  it.each(cases)("%s", async (_, options, message) => {
    encodes = 0;
    const request = { prompts: ["caption en"], ...options, images: options.images === "two" ? twice(pixels) : pixels } as Parameters<typeof limited.generate>[0];
    await expect(limited.generate(request)).rejects.toThrow(ArgumentError);
    await expect(limited.generate(request)).rejects.toThrow(message);
    expect(encodes).toBe(0);
  });
});

describe("timings and score lengths", () => {
  it("decodeMsPerToken covers the decoder steps only: each row's first token comes from the prefill", async () => {
    // Count the decoder forwards and time them from outside: decodeMsPerToken must be their mean
    // (prefill excluded), so it can fail if the loop forgets a step or counts the prefill.
    const steps: number[] = [];
    const decoder = { ...model.decoder, embed: model.decoder.embed.bind(model.decoder), createCache: model.decoder.createCache.bind(model.decoder), dispose: async () => {},
      forward: async (i: Parameters<typeof model.decoder.forward>[0]) => {
        const t0 = performance.now();
        const out = await model.decoder.forward(i);
        steps.push(performance.now() - t0);
        return out;
      } };
    const m = PaliGemma.fromRunners(model.config, model.tokenizer, model.vision, decoder);
    for (const [rows, n] of [[1, 5], [2, 4]] as const) {
      steps.length = 0;
      const images = rows === 1 ? pixels : twice(pixels);
      const out = await m.generate({ images, prompts: ["caption en", "detect cat"].slice(0, rows), maxNewTokens: n, ignoreEos: true });
      expect(out.timings.generatedTokens).toBe(rows * n);
      expect(steps.length).toBe(n); // prefill + n - 1 decode steps
      const decodeSteps = steps.slice(1).reduce((a, b) => a + b, 0);
      const perToken = decodeSteps / ((n - 1) * rows);
      console.log(`B=${rows}: ${n - 1} decode steps, ${perToken.toFixed(3)} ms/token measured outside vs ${out.timings.decodeMsPerToken.toFixed(3)} reported`);
      expect(out.timings.decodeMsPerToken).toBeGreaterThanOrEqual(perToken * 0.99);
      expect(out.timings.decodeMsPerToken).toBeLessThan(perToken + steps[0] / ((n - 1) * rows)); // the prefill is not in it
    }
    const one = await model.generate({ images: pixels, prompts: ["caption en"], maxNewTokens: 1, ignoreEos: true });
    expect(one.timings.decodeMsPerToken).toBe(0);
  });

  it("score returns suffixLength: the suffix's tokens plus <eos>", async () => {
    const g = readGolden("paligemma-tiny");
    const s = await model.score(pixels, g.score.prefix, g.score.suffix);
    expect(s.suffixLength).toBe(g.score.input_ids.length - g.score.prefix_len);
    expect(s.suffixLength).toBe(model.tokenizer.encode(g.score.suffix).length + 1);
    expect(s.inputIds).toEqual(g.score.input_ids);
  });
});

/** The same image twice: pixel_values [2, 3, S, S]. */
const twice = (p: Tensor): Tensor => Tensor.concat([p, p], 0);
