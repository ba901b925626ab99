/**
 * committed_checkpoint.test.ts — the model in models/tiny-paligemma (the one `pnpm demo` and lesson
 * 23 run) is what README "Training" says it is:
 *   - a Hugging Face folder: config.json is tinyConfigJson() exactly, tokenizer.model is the world's
 *     tokenizer byte for byte, model.safetensors holds every tensor the config needs; trainer_state.json
 *     records the documented command's settings (the defaults) and its last step;
 *   - loaded by the ordinary PaliGemma.load, it answers fresh TEST scenes (never in training: splits.ts)
 *     with at least the accuracy below, per task, on 50 scenes per task of `paligemma eval --seed 0`.
 *     Each threshold sits a few points under what README reports for 500 scenes per task, so the
 *     test fails if the checkpoint is replaced by a worse one or if inference stops matching training.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CLASSIC_LAYOUT, PaliGemma, paliGemmaWeightSpecs } from "@paligemma-ts/paligemma";
import { Checkpoint, releaseAllSessions } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { TRAIN_DEFAULTS, evaluate, tinyConfig, tinyConfigJson, worldConfig, worldTokenizerModel } from "../src/index.ts";

const DIR = fileURLToPath(new URL("../../../models/tiny-paligemma/", import.meta.url));
/** Minimum accuracy per task on 50 test scenes per task (README "Training" has the 500-scene figures). */
const THRESHOLDS = { caption: 0.28, detect: 0.8, vqa: 0.68, ocr: 0.3 }; // measured on these 50: 34% / 88.2% / 76% / 38%

afterAll(() => releaseAllSessions());

describe("models/tiny-paligemma", () => {
  it("is a Hugging Face checkpoint of the tiny PaliGemma, written by the documented run", () => {
    expect(JSON.parse(readFileSync(`${DIR}config.json`, "utf8"))).toEqual(tinyConfigJson());
    expect(Buffer.compare(readFileSync(`${DIR}tokenizer.model`), Buffer.from(worldTokenizerModel()))).toBe(0);
    const ckpt = Checkpoint.open(DIR);
    const specs = paliGemmaWeightSpecs(tinyConfig(), CLASSIC_LAYOUT);
    expect(ckpt.names().sort()).toEqual(specs.map((s) => s.name).sort());
    for (const s of specs) expect(ckpt.info(s.name).shape, s.name).toEqual(s.shape);
    ckpt.close();
    const state = JSON.parse(readFileSync(`${DIR}trainer_state.json`, "utf8"));
    const { sizes, world, tasks, ...rest } = TRAIN_DEFAULTS;
    expect(state.settings).toMatchObject({ ...rest, sizes: { ...sizes }, tasks: { ...tasks } });
    expect(state.step).toBe(TRAIN_DEFAULTS.steps);
  });

  it("answers fresh test scenes at least as well as the thresholds", async () => {
    const model = await PaliGemma.load(DIR, { backend: "onnx" });
    const r = await evaluate(model, worldConfig(), { perTask: 50, start: 0, split: "test" });
    await model.dispose();
    console.log(`models/tiny-paligemma on 50 test scenes per task: ${r.summary}`);
    for (const [task, min] of Object.entries(THRESHOLDS)) expect(r.results[task as keyof typeof THRESHOLDS]!.accuracy, task).toBeGreaterThanOrEqual(min);
  }, 300_000);
});
