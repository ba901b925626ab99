/**
 * non_finite.test.ts — a checkpoint with one NaN (or Infinity) weight makes score and generate throw
 * a NonFiniteError naming the first layer output that was not finite, on both backends; before
 * this check score returned { meanNll: NaN } and greedy decoding returned ids. The check wraps the
 * decoder; the loaded GemmaModel stays reachable as `uncheckedDecoder` (the bench times its blocks).
 */
import { GemmaModel } from "@paligemma-ts/gemma";
import { NonFiniteError, Tensor } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { PaliGemma } from "../src/index.ts";
import { cleanCopies, readAll, writeCopy } from "./checkpoint_copies.ts";
import { readGolden } from "./fixtures.ts";

afterAll(cleanCopies);

/** The fixture with weight `name`'s element `index` set to `value` (stored as float32). */
function poisoned(fixture: string, name: string, value: number, index = 0): string {
  const tensors = readAll(fixture);
  const t = tensors[name].to("float32");
  const data = Float32Array.from(t.toFloat32());
  data[index] = value;
  tensors[name] = new Tensor("float32", t.shape, data);
  return writeCopy(fixture, tensors);
}

const fixture = "paligemma2-tiny";
const cases = [
  { weight: "language_model.model.layers.2.mlp.down_proj.weight", value: Number.NaN, first: "text.layer2.output" },
  { weight: "vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight", value: Number.POSITIVE_INFINITY, first: "vision.layer0" },
];

describe.each(["reference", "onnx"] as const)("NaN / Infinity weights are an error, never a result (%s)", (backend) => {
  const pixels = readGolden(fixture).read("pixel_values");
  it.each(cases)("$weight = $value: score and generate name $first", async ({ weight, value, first }) => {
    const model = await PaliGemma.load(poisoned(fixture, weight, value), { backend });
    try {
      const score = model.score(pixels, "caption en", "a cat");
      await expect(score).rejects.toThrow(NonFiniteError);
      await expect(model.score(pixels, "caption en", "a cat")).rejects.toThrow(new RegExp(`decoder logits \\(prefill\\): value (NaN|Infinity|-Infinity) at .*first non-finite output: ${first.replace(".", "\\.")}\\b`));
      const err = await model.generate({ images: pixels, prompts: ["caption en"], maxNewTokens: 4 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NonFiniteError);
      expect((err as NonFiniteError).where).toBe("decoder logits (prefill)");
      expect((err as Error).message).toContain(`first non-finite output: ${first}`);
      console.log(`${backend} ${weight} = ${value}: ${(err as Error).message}`);
    } finally {
      await model.dispose();
    }
  });
  it("a finite model still scores and generates (the check costs one pass over the logits)", async () => {
    const model = await PaliGemma.load(poisoned(fixture, cases[0].weight, 0.01), { backend });
    try {
      expect(Number.isFinite((await model.score(pixels, "caption en", "a cat")).meanNll)).toBe(true);
      const before = (model.uncheckedDecoder as GemmaModel).stats.forwards;
      expect((await model.generate({ images: pixels, prompts: ["caption en"], maxNewTokens: 3, ignoreEos: true })).generatedIds[0]).toHaveLength(3);
      expect(model.uncheckedDecoder).toBeInstanceOf(GemmaModel); // the bench reads its block timings behind the check
      expect((model.uncheckedDecoder as GemmaModel).stats.forwards - before).toBe(3); // the prefill + 2 decode steps went through it
    } finally {
      await model.dispose();
    }
  });
});
