/**
 * onnx_golden.test.ts — PaliGemma on the ONNX backend vs the PyTorch reference on both fixtures, in
 * the minGPT order: vision (per layer), projector, prefill logits at every position (with the text
 * trace layer by layer), score logits and mean suffix NLL, then greedy ids and their text.
 * Tolerance: max-abs 1e-4 on float32 values of size O(1..10); greedy ids must be identical.
 * (Backend-independent steps, pixel values and tokenization, are covered by golden.test.ts.)
 */
import { type Tensor, maxAbsDiff } from "@paligemma-ts/tensor";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OnnxDecoderBackend, PaliGemma } from "../src/index.ts";
import { FIXTURES, type Golden, fixtureDir, readGolden } from "./fixtures.ts";

const TOL = 1e-4;

function close(name: string, what: string, actual: Tensor | ArrayLike<number>, expected: Tensor): void {
  const d = maxAbsDiff(actual, expected);
  console.log(`${name} onnx ${what}: maxdiff ${d.toExponential(2)}`);
  expect(d, what).toBeLessThan(TOL);
}

describe.each(FIXTURES)("ONNX golden parity: %s", (name) => {
  let model: PaliGemma;
  let golden: Golden;
  beforeAll(async () => {
    model = await PaliGemma.load(fixtureDir(name), { backend: "onnx" });
    golden = readGolden(name);
  });
  afterAll(() => model?.dispose());

  it("runs on the onnx backends", () => {
    expect(model.vision.name).toBe("onnx");
    expect(model.decoder).toBeInstanceOf(OnnxDecoderBackend);
  });

  it("vision tower (per layer) and projector", async () => {
    const trace = new Map<string, Tensor>();
    const hidden = await model.runVision(golden.read("pixel_values"), (n, t) => trace.set(n, t));
    expect(trace.size).toBe(model.config.vision_config.num_hidden_layers + 1);
    for (const [n, t] of trace) close(name, n, t, golden.read(`trace.${n}`));
    close(name, "vision_last_hidden_state", hidden, golden.read("vision_last_hidden_state"));
    close(name, "image_features", await model.projectImages(hidden), golden.read("image_features"));
  });

  it("prefill logits at every position, and the first prompt's trace layer by layer", async () => {
    for (const [i, c] of golden.cases.entries()) {
      const trace = new Map<string, Tensor>();
      const logits = await model.prefillLogits(golden.read("pixel_values"), [c.input_ids], { trace: i === 0 ? (n, t) => trace.set(n, t) : undefined });
      if (i === 0) {
        const textKeys = Object.keys(golden.tensors).filter((k) => k.startsWith("trace.text."));
        expect(textKeys.length).toBeGreaterThan(0);
        for (const k of textKeys) close(name, k.slice(6), trace.get(k.slice(6))!, golden.read(k));
      }
      close(name, `case${i}.prefill_logits`, logits, golden.read(`case${i}.prefill_logits`));
    }
  });

  it("score: logits with the prefix-LM mask and the suffix's mean NLL", async () => {
    const s = golden.score;
    const out = await model.score(golden.read("pixel_values"), s.prefix, s.suffix);
    close(name, "score.logits", out.logits, golden.read("score.logits"));
    const d = Math.abs(out.meanNll - s.mean_suffix_nll);
    console.log(`${name} onnx mean_suffix_nll: ${out.meanNll} vs ${s.mean_suffix_nll}, diff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
  });

  it("greedy ids (12 steps through the KV cache, not stopping at eos) and their text", async () => {
    for (const c of golden.cases) {
      const out = await model.generate({ images: golden.read("pixel_values"), prompts: [c.prompt], maxNewTokens: 12, ignoreEos: true });
      expect(out.inputIds[0]).toEqual(c.input_ids);
      expect(out.generatedIds[0]).toEqual(c.greedy_ids);
      expect(out.texts[0]).toBe(c.greedy_text);
    }
  });
});

describe("ONNX load", () => {
  it("is the default backend and reports progress per session", async () => {
    const events: string[] = [];
    const model = await PaliGemma.load(fixtureDir("paligemma-tiny"), { onProgress: (e) => events.push(`${e.stage} ${e.loaded}/${e.total}`) });
    expect([model.vision.name, model.decoder.name]).toEqual(["onnx", "onnx"]);
    expect(events[0]).toBe("check 0/1");
    const sessions = 1 + 2 + 2 + 3; // LM head + 2 text layers, 2 vision blocks + embeddings, post-LN, projector
    expect(events.at(-1)).toBe(`weights ${sessions}/${sessions}`);
    await model.dispose();
  });
});
