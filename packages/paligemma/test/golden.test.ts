/**
 * golden.test.ts — PaliGemma vs the PyTorch reference on both fixtures, in the minGPT order:
 * vision, projector, prefill logits at every position (with a layer-by-layer trace), score,
 * then greedy ids and their text. Tolerance: max-abs 1e-4 on float32 values of size O(1..10).
 */
import { loadImage, preprocessImages } from "@paligemma-ts/processor";
import { type Tensor, maxAbsDiff } from "@paligemma-ts/tensor";
import { beforeAll, describe, expect, it } from "vitest";
import { PaliGemma } from "../src/index.ts";
import { FIXTURES, type Golden, fixtureDir, readGolden } from "./fixtures.ts";

const TOL = 1e-4;

function close(name: string, what: string, actual: Tensor | ArrayLike<number>, expected: Tensor): void {
  const d = maxAbsDiff(actual, expected);
  console.log(`${name} ${what}: maxdiff ${d.toExponential(2)}`);
  expect(d, what).toBeLessThan(TOL);
}

describe.each(FIXTURES)("golden parity: %s", (name) => {
  let model: PaliGemma;
  let golden: Golden;
  beforeAll(async () => {
    model = await PaliGemma.load(fixtureDir(name), { backend: "reference" }); // onnx: onnx_golden.test.ts
    golden = readGolden(name);
  });

  it("pixel_values from image.png through the processor equal the reference", async () => {
    const image = await loadImage(`${fixtureDir(name)}/image.png`);
    close(name, "pixel_values", preprocessImages([image], model.config.vision_config.image_size), golden.read("pixel_values"));
  });

  it("vision tower (per layer) and projector", async () => {
    const trace = new Map<string, Tensor>();
    const hidden = await model.runVision(golden.read("pixel_values"), (n, t) => trace.set(n, t));
    for (const [n, t] of trace) close(name, n, t, golden.read(`trace.${n}`));
    close(name, "vision_last_hidden_state", hidden, golden.read("vision_last_hidden_state"));
    close(name, "image_features", await model.projectImages(hidden), golden.read("image_features"));
  });

  it("input_ids from the prompts via the tokenizer", () => {
    for (const c of golden.cases) expect(model.promptIds(c.prompt).ids).toEqual(c.input_ids);
    const s = golden.score;
    const p = model.promptIds(s.prefix, s.suffix);
    expect(p.ids).toEqual(s.input_ids);
    expect(p.prefixLength).toBe(s.prefix_len);
  });

  it("prefill logits at every position, and the first prompt's trace layer by layer", async () => {
    for (const [i, c] of golden.cases.entries()) {
      const trace = new Map<string, Tensor>();
      const logits = await model.prefillLogits(golden.read("pixel_values"), [c.input_ids], { trace: i === 0 ? (n, t) => trace.set(n, t) : undefined });
      if (i === 0) {
        const textKeys = Object.keys(golden.tensors).filter((k) => k.startsWith("trace.text."));
        expect(textKeys.length).toBeGreaterThan(0);
        for (const k of textKeys) close(name, k.slice(6), trace.get(k.slice(6))!, golden.read(k)); // in layer order
      }
      close(name, `case${i}.prefill_logits`, logits, golden.read(`case${i}.prefill_logits`));
    }
  });

  it("score: logits with the prefix-LM mask and the suffix's mean NLL", async () => {
    const s = golden.score;
    const out = await model.score(golden.read("pixel_values"), s.prefix, s.suffix);
    close(name, "score.logits", out.logits, golden.read("score.logits"));
    console.log(`${name} mean_suffix_nll: ${out.meanNll} vs ${s.mean_suffix_nll}, diff ${Math.abs(out.meanNll - s.mean_suffix_nll).toExponential(2)}`);
    expect(Math.abs(out.meanNll - s.mean_suffix_nll)).toBeLessThan(TOL);
  });

  it("greedy ids (12 steps, not stopping at eos) and their text", async () => {
    for (const c of golden.cases) {
      const out = await model.generate({ images: golden.read("pixel_values"), prompts: [c.prompt], maxNewTokens: 12, ignoreEos: true });
      expect(out.inputIds[0]).toEqual(c.input_ids);
      expect(out.generatedIds[0]).toEqual(c.greedy_ids);
      expect(out.texts[0]).toBe(model.tokenizer.decode(c.greedy_ids, { skipSpecialTokens: true }));
      expect(out.texts[0]).toBe(c.greedy_text);
    }
  });
});
