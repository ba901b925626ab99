/**
 * onnx_golden.test.ts — what is specific to the ONNX backend. The golden parity itself (vision,
 * projector, prefill logits, score, greedy ids, max-abs 1e-4) runs on both backends in golden.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OnnxDecoderBackend, PaliGemma } from "../src/index.ts";
import { FIXTURES, fixtureDir } from "./fixtures.ts";

describe.each(FIXTURES)("ONNX backend: %s", (name) => {
  let model: PaliGemma;
  beforeAll(async () => {
    model = await PaliGemma.load(fixtureDir(name), { backend: "onnx" });
  });
  afterAll(() => model?.dispose());

  it("runs on the onnx backends", () => {
    expect(model.vision.name).toBe("onnx");
    expect(model.decoder).toBeInstanceOf(OnnxDecoderBackend);
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
