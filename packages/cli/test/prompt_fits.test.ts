/**
 * prompt_fits.test.ts — input tokens + new tokens <= max_position_embeddings, exactly at the boundary.
 */
import { fileURLToPath } from "node:url";
import { PaliGemmaTokenizer, buildPrompt } from "@paligemma-ts/processor";
import { describe, expect, it } from "vitest";
import { CliUsageError } from "../src/errors.ts";
import { checkPromptFits } from "../src/prompt_fits.ts";

const MODEL = fileURLToPath(new URL("../../../fixtures/paligemma-tiny", import.meta.url));
const MAX_POSITIONS = 8192; // Gemma's default; the fixture's config.json leaves it out
const NUM_IMAGE_TOKENS = 16; // (56 / 14)^2

describe("checkPromptFits", () => {
  it("accepts a short prompt", async () => {
    await expect(checkPromptFits(MODEL, { prefix: "caption en", newTokens: 64 })).resolves.toBeUndefined();
  });

  it("accepts exactly max_position_embeddings tokens and refuses one more", async () => {
    const prefix = "cat ".repeat(2100); // 4 * 8400 chars is past 8192: the tokenizer is consulted
    const tokenizer = await PaliGemmaTokenizer.load(MODEL, { imageTokenId: 1800 });
    const promptTokens = buildPrompt(tokenizer, { prefix, numImageTokens: NUM_IMAGE_TOKENS }).inputIds.length;
    const room = MAX_POSITIONS - promptTokens;
    console.log(`prompt ${promptTokens} tokens, room for ${room} new tokens`);
    expect(room).toBeGreaterThan(0);
    await expect(checkPromptFits(MODEL, { prefix, newTokens: room })).resolves.toBeUndefined();
    await expect(checkPromptFits(MODEL, { prefix, newTokens: room + 1 })).rejects.toThrow(CliUsageError);
    await expect(checkPromptFits(MODEL, { prefix, newTokens: room + 1 })).rejects.toThrow(/prompt too long.*max_position_embeddings 8192/);
  });

  it("counts a scored suffix and its <eos>", async () => {
    const long = "cat ".repeat(4100);
    await expect(checkPromptFits(MODEL, { prefix: long, suffix: long, newTokens: 0 })).rejects.toThrow(/prefix \+ suffix too long/);
    await expect(checkPromptFits(MODEL, { prefix: "caption en", suffix: long, newTokens: 0 })).resolves.toBeUndefined();
  });
});
