/**
 * golden.test.ts — PaliGemma vs the PyTorch reference on both fixtures and BOTH backends (reference:
 * plain TS; onnx: fused sessions), in the minGPT order: vision (per layer), projector, prefill logits
 * at every position (with the text trace layer by layer), score logits and mean suffix NLL, then
 * greedy ids (12 steps through the KV cache, not stopping at eos) and their text.
 * Tolerance: max-abs 1e-4 on float32 values of size O(1..10); greedy ids must be identical.
 * Backend-independent steps (pixel values, tokenization) run once; onnx-only checks: onnx_golden.test.ts.
 */
import { loadImage, preprocessImages } from "@paligemma-ts/processor";
import { type Tensor, maxAbsDiff } from "@paligemma-ts/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackendName, PaliGemma } from "../src/index.ts";
import { FIXTURES, type Golden, fixtureDir, readGolden } from "./fixtures.ts";

const TOL = 1e-4;
const BACKENDS: BackendName[] = ["reference", "onnx"];

function close(label: string, what: string, actual: Tensor | ArrayLike<number>, expected: Tensor): void {
  const d = maxAbsDiff(actual, expected);
  console.log(`${label} ${what}: maxdiff ${d.toExponential(2)}`);
  expect(d, what).toBeLessThan(TOL);
}

describe.each(FIXTURES)("processor steps vs the reference: %s", (name) => {
  let model: PaliGemma;
  let golden: Golden;
  beforeAll(async () => {
    model = await PaliGemma.load(fixtureDir(name), { backend: "reference" });
    golden = readGolden(name);
  });

  it("pixel_values from image.png through the processor equal the reference", async () => {
    const image = await loadImage(`${fixtureDir(name)}/image.png`);
    close(name, "pixel_values", preprocessImages([image], model.config.vision_config.image_size), golden.read("pixel_values"));
  });

  it("input_ids from the prompts via the tokenizer", () => {
    for (const c of golden.cases) expect(model.promptIds(c.prompt).ids).toEqual(c.input_ids);
    const s = golden.score;
    const p = model.promptIds(s.prefix, s.suffix);
    expect(p.ids).toEqual(s.input_ids);
    expect(p.prefixLength).toBe(s.prefix_len);
  });
});

describe.each(FIXTURES.flatMap((name) => BACKENDS.map((backend) => [name, backend] as const)))("golden parity: %s on %s", (name, backend) => {
  const label = `${name} ${backend}`;
  let model: PaliGemma;
  let golden: Golden;
  beforeAll(async () => {
    model = await PaliGemma.load(fixtureDir(name), { backend });
    golden = readGolden(name);
  });
  afterAll(() => model?.dispose());

  it("vision tower (per layer) and projector", async () => {
    const trace = new Map<string, Tensor>();
    const hidden = await model.runVision(golden.read("pixel_values"), (n, t) => trace.set(n, t));
    expect(trace.size).toBe(model.config.vision_config.num_hidden_layers + 1);
    for (const [n, t] of trace) close(label, n, t, golden.read(`trace.${n}`));
    close(label, "vision_last_hidden_state", hidden, golden.read("vision_last_hidden_state"));
    close(label, "image_features", await model.projectImages(hidden), golden.read("image_features"));
  });

  it("prefill logits at every position, and the first prompt's trace layer by layer", async () => {
    for (const [i, c] of golden.cases.entries()) {
      const trace = new Map<string, Tensor>();
      const logits = await model.prefillLogits(golden.read("pixel_values"), [c.input_ids], { trace: i === 0 ? (n, t) => trace.set(n, t) : undefined });
      if (i === 0) {
        const textKeys = Object.keys(golden.tensors).filter((k) => k.startsWith("trace.text."));
        expect(textKeys.length).toBeGreaterThan(0);
        for (const k of textKeys) close(label, k.slice(6), trace.get(k.slice(6))!, golden.read(k)); // in layer order
      }
      close(label, `case${i}.prefill_logits`, logits, golden.read(`case${i}.prefill_logits`));
    }
  });

  it("score: logits with the prefix-LM mask and the suffix's mean NLL", async () => {
    const s = golden.score;
    const out = await model.score(golden.read("pixel_values"), s.prefix, s.suffix);
    close(label, "score.logits", out.logits, golden.read("score.logits"));
    const d = Math.abs(out.meanNll - s.mean_suffix_nll);
    console.log(`${label} mean_suffix_nll: ${out.meanNll} vs ${s.mean_suffix_nll}, diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
  });

  it("greedy ids (12 steps through the KV cache, not stopping at eos) and their text", async () => {
    for (const c of golden.cases) {
      const out = await model.generate({ images: golden.read("pixel_values"), prompts: [c.prompt], maxNewTokens: 12, ignoreEos: true });
      expect(out.inputIds[0]).toEqual(c.input_ids);
      expect(out.generatedIds[0]).toEqual(c.greedy_ids);
      expect(out.texts[0]).toBe(model.tokenizer.decode(c.greedy_ids, { skipSpecialTokens: true }));
      expect(out.texts[0]).toBe(c.greedy_text);
    }
  });
});
