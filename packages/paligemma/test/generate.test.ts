/**
 * generate.test.ts — batching, stopping, streaming and sampling: a padded batch must compute for each
 * row exactly what that row computes alone.
 */
import { Tensor, maxAbsDiff, randUniform, seededRng } from "@paligemma-ts/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import { PaliGemma, decodeStep, leftPadBatch } from "../src/index.ts";
import { FIXTURES, type Golden, fixtureDir, readGolden } from "./fixtures.ts";

describe.each(FIXTURES)("generation: %s", (name) => {
  let model: PaliGemma;
  let golden: Golden;
  let pixels: Tensor; // two different images
  const prompts = ["caption en", "answer en what is on the sofa next to the cat?"];
  beforeAll(async () => {
    model = await PaliGemma.load(fixtureDir(name));
    golden = readGolden(name);
    const img = golden.read("pixel_values");
    pixels = Tensor.concat([img, randUniform(img.shape, seededRng(3))], 0);
  });

  it("left padding puts each row's tokens at the end; positions are 1-based over real tokens", () => {
    const b = leftPadBatch([[7, 8, 9], [5]], 0);
    expect(b.ids).toEqual([[7, 8, 9], [0, 0, 5]]);
    expect(b.keyMask).toEqual([[1, 1, 1], [0, 0, 1]]);
    expect(b.positions).toEqual([[1, 2, 3], [1, 1, 1]]);
    expect(b.prefixEnd).toEqual([3, 3]);
  });

  it("decodeStep: positions count real tokens, padding stays masked, the batch is not modified", () => {
    const b = leftPadBatch([[7, 8, 9], [5]], 0);
    const before = JSON.stringify(b);
    const s = decodeStep(b, 4); // the second generated token
    expect(s.positions).toEqual([[5], [3]]);
    expect(Array.from(s.mask.toFloat32())).toEqual([0, 0, 0, 0, 0, -Infinity, -Infinity, 0, 0, 0]);
    expect(JSON.stringify(b)).toBe(before);
    expect(() => decodeStep(b, 2)).toThrow(/slot 2 is inside the 3-slot prompt/);
  });

  it("a padded batch gives each row the prefill logits it gets alone", async () => {
    const rows = prompts.map((p) => model.promptIds(p).ids);
    expect(rows[0].length).toBeLessThan(rows[1].length); // row 0 is padded
    const both = await model.prefillLogits(pixels, rows); // [2, L, V]
    const L = rows[1].length;
    for (const b of [0, 1]) {
      const alone = await model.prefillLogits(pixels.slice(0, b, b + 1), [rows[b]]);
      const mine = both.slice(0, b, b + 1).slice(1, L - rows[b].length, L);
      const d = maxAbsDiff(mine, alone);
      console.log(`${name} batched prefill row ${b} vs alone: maxdiff ${d.toExponential(2)}`);
      expect(d).toBeLessThan(1e-5);
    }
  });

  it("batched greedy generate == each row generated alone", async () => {
    const batched = await model.generate({ images: pixels, prompts, maxNewTokens: 10, ignoreEos: true });
    for (const b of [0, 1]) {
      const alone = await model.generate({ images: pixels.slice(0, b, b + 1), prompts: [prompts[b]], maxNewTokens: 10, ignoreEos: true });
      expect(batched.generatedIds[b]).toEqual(alone.generatedIds[0]);
      expect(batched.texts[b]).toBe(alone.texts[0]);
      expect(batched.inputIds[b]).toEqual(alone.inputIds[0]);
    }
    expect(batched.timings.generatedTokens).toBe(20);
    expect(batched.timings.promptTokens).toBe(batched.inputIds[1].length);
  });

  it("stops each row at its own eos (int or list) and keeps the others going", async () => {
    const c = golden.cases[0];
    const stopAt = c.greedy_ids[2]; // make the third greedy token an eos
    const never = [...Array(model.config.text_config.vocab_size).keys()].find((id) => id > 3 && !c.greedy_ids.includes(id))!; // an id the row never produces
    const m = PaliGemma.fromRunners({ ...model.config, eos_token_ids: [never, stopAt] }, model.tokenizer, model.vision, model.decoder);
    const first = c.greedy_ids.indexOf(stopAt);
    const out = await m.generate({ images: golden.read("pixel_values"), prompts: [c.prompt], maxNewTokens: 12 });
    expect(out.generatedIds[0]).toEqual(c.greedy_ids.slice(0, first + 1)); // the eos is included in the ids
    expect(out.texts[0]).toBe(model.tokenizer.decode(c.greedy_ids.slice(0, first), { skipSpecialTokens: true }));
    // batched: row 1 (another image) need not stop at the same step
    const both = await m.generate({ images: pixels, prompts: [c.prompt, prompts[1]], maxNewTokens: 12 });
    expect(both.generatedIds[0]).toEqual(out.generatedIds[0]);
    const alone1 = await m.generate({ images: pixels.slice(0, 1, 2), prompts: [prompts[1]], maxNewTokens: 12 });
    expect(both.generatedIds[1]).toEqual(alone1.generatedIds[0]);
  });

  it("default eos ids come from config.json (PaliGemma 2: text_config list [1, 107])", () => {
    expect(model.config.eos_token_ids).toEqual(name === "paligemma2-tiny" ? [1, 107] : [1]);
  });

  it("stream yields the same tokens as generate, and its text pieces add up to the answer", async () => {
    const req = { images: pixels, prompts, maxNewTokens: 6, ignoreEos: true };
    const out = await model.generate(req);
    const got: number[][] = [[], []];
    const text = ["", ""];
    for await (const e of model.stream(req)) {
      got[e.row].push(e.tokenId);
      text[e.row] += e.text;
    }
    expect(got).toEqual(out.generatedIds);
    expect(text).toEqual(out.texts);
    const seen: number[] = [];
    await model.generate({ ...req, onToken: (e) => seen.push(e.tokenId) });
    expect(seen.length).toBe(12);
  });

  it("sampling is seeded and reproducible; temperature 0 is greedy", async () => {
    const base = { images: golden.read("pixel_values"), prompts: [prompts[0]], maxNewTokens: 8, ignoreEos: true };
    const greedy = await model.generate(base);
    const t0 = await model.generate({ ...base, temperature: 0 });
    expect(t0.generatedIds).toEqual(greedy.generatedIds);
    const a = await model.generate({ ...base, temperature: 5, seed: 1 });
    const b = await model.generate({ ...base, temperature: 5, seed: 1 });
    expect(a.generatedIds).toEqual(b.generatedIds);
    const others = await Promise.all([2, 3, 4].map((seed) => model.generate({ ...base, temperature: 5, seed })));
    expect(others.some((o) => JSON.stringify(o.generatedIds) !== JSON.stringify(a.generatedIds))).toBe(true);
    await expect(model.generate({ ...base, topP: 2 })).rejects.toThrow(/topP/);
  });

  it("runs the vision tower once per generate call (never during decoding)", async () => {
    let encodes = 0;
    let decoderCalls = 0;
    const vision = { encode: (p: Tensor) => (encodes++, model.vision.encode(p)), project: (h: Tensor) => model.vision.project(h), dispose: async () => {} };
    const decoder = { embed: model.decoder.embed.bind(model.decoder), createCache: model.decoder.createCache.bind(model.decoder), dispose: async () => {}, forward: (i: Parameters<typeof model.decoder.forward>[0]) => (decoderCalls++, model.decoder.forward(i)) };
    const m = PaliGemma.fromRunners(model.config, model.tokenizer, vision, decoder);
    const out = await m.generate({ images: pixels, prompts, maxNewTokens: 5, ignoreEos: true });
    expect(encodes).toBe(1);
    expect(decoderCalls).toBe(5); // prefill + 4 decode steps (the 5th token needs no forward)
    expect(out.generatedIds.map((r) => r.length)).toEqual([5, 5]);
  });

  it("rejects a mismatch between images and prompts", async () => {
    const oneImage = model.promptIds(prompts[0]).ids; // N <image> tokens: one image
    await expect(model.generate({ images: pixels, prompts: [oneImage] })).rejects.toThrow(/2 images for 1 prompts whose <image> tokens ask for 1/);
    const three = Tensor.concat([pixels, pixels.slice(0, 0, 1)], 0);
    await expect(model.generate({ images: three, prompts })).rejects.toThrow(/3 images for 2 prompts: with pixel_values and text prompts every prompt takes I \/ B images/);
    await expect(model.generate({ images: [golden.read("pixel_values") as never], prompts })).rejects.toThrow(/1 images \(or image lists\) for 2 prompts/);
  });
});
