// Batches: pixel_values equal processor's preprocessImages exactly, ids equal buildPrompt row by
// row, the prefix / suffix lengths mark exactly the image+prefix and suffix+<eos> tokens, padding
// is <pad>; a wrong-sized image is refused; the time to generate a batch of 64 is printed.
import type { PaliGemmaTokenizer } from "@paligemma-ts/processor";
import { buildPrompt, preprocessImages } from "@paligemma-ts/processor";
import { beforeAll, describe, expect, it } from "vitest";
import { cachedTokenizer, loadWorldTokenizer, makeBatch, numImageTokens, splitExamples, worldConfig } from "../src/index.ts";

const config = worldConfig();
let tk: PaliGemmaTokenizer;
beforeAll(async () => {
  tk = await loadWorldTokenizer();
});

describe("makeBatch", () => {
  it("pixel_values [N, 3, S, S] are exactly preprocessImages(images, S)", () => {
    const examples = splitExamples("train", 0, 16, config);
    const batch = makeBatch(examples, tk, config);
    const reference = preprocessImages(examples.map((e) => e.image), 64);
    expect(reference.shape).toEqual([16, 3, 64, 64]);
    expect(batch.pixelValues.length).toBe(16 * 3 * 64 * 64);
    expect(Buffer.from(batch.pixelValues.buffer).equals(Buffer.from((reference.data as Float32Array).buffer))).toBe(true);
    expect(batch.pixelValues.every((v) => v >= -1 && v <= 1)).toBe(true);
  });

  it("ids are buildPrompt's, right-padded; prefix and suffix lengths split each row exactly", () => {
    const examples = splitExamples("train", 100, 64, config);
    const batch = makeBatch(examples, cachedTokenizer(tk), config);
    const N = numImageTokens(config);
    expect(batch.size).toBe(64);
    examples.forEach((e, n) => {
      const row = batch.inputIds[n];
      const { inputIds, tokenTypeIds } = buildPrompt(tk, { prefix: e.prefix, suffix: e.suffix, numImageTokens: N });
      expect(row).toHaveLength(batch.length);
      expect(row.slice(0, inputIds.length)).toEqual(inputIds);
      expect(row.slice(inputIds.length).every((id) => id === tk.padId)).toBe(true);
      const p = batch.prefixLengths[n];
      const s = batch.suffixLengths[n];
      expect(p).toBe(tokenTypeIds.filter((t) => t === 0).length);
      expect(p).toBe(N + 1 + tk.encode(e.prefix + "\n").length);
      expect(row.slice(0, N).every((id) => id === tk.imageTokenId)).toBe(true);
      expect(row[N]).toBe(tk.bosId);
      expect(row[p - 1]).toBe(tk.pieceToId("\n"));
      expect(s).toBe(tk.encode(e.suffix).length + 1);
      expect(row[p + s - 1]).toBe(tk.eosId);
      expect(tk.decode(row.slice(p, p + s - 1))).toBe(e.suffix);
    });
    expect(batch.length).toBe(Math.max(...batch.prefixLengths.map((p, n) => p + batch.suffixLengths[n])));
  });

  it("refuses an image that is not at the model size (it would need a resize)", () => {
    const [e] = splitExamples("train", 0, 1, config);
    expect(() => makeBatch([{ ...e, image: { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3) } }], tk, config)).toThrow(/example 0's image is 32x32 .* expected 64x64 RGB/);
    expect(() => makeBatch([], tk, config)).toThrow(/examples is empty/);
  });

  it("generating a batch of 64 (scenes, images, prompts, ids) is fast (printed, not asserted)", () => {
    const tok = cachedTokenizer(tk);
    makeBatch(splitExamples("train", 0, 64, config), tok, config); // warm the cache and the JIT
    const times: number[] = [];
    for (let k = 1; k <= 10; k++) {
      const t0 = performance.now();
      makeBatch(splitExamples("train", k * 64, 64, config), tok, config);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(`batch of 64: median ${times[5].toFixed(1)} ms, min ${times[0].toFixed(1)} ms, max ${times[9].toFixed(1)} ms (10 batches)`);
  });
});
