// Splits: seeds are disjoint by construction, every split's scenes sit in its own hash bucket so a
// test scene never equals a training scene, and how often they would collide without that rule.
import { seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import {
  SPLITS,
  type Scene,
  exampleSeed,
  fmix32,
  sampleTaskScene,
  sceneKey,
  sceneSplit,
  splitExample,
  splitExamples,
  splitScene,
  worldConfig,
} from "../src/index.ts";

const config = worldConfig();
const TRAIN = 60_000;

// Keys of the first TRAIN training scenes (cheap: scenes are not rendered).
const trainKeys = new Set<string>();
for (let i = 0; i < TRAIN; i++) trainKeys.add(sceneKey(splitScene("train", i, config).scene));

describe("seeds", () => {
  it("no seed is shared between or within splits (first 200,000 indices of each)", () => {
    const seen = new Set<number>();
    for (const split of SPLITS) for (let i = 0; i < 200_000; i++) seen.add(exampleSeed(split, i));
    expect(seen.size).toBe(3 * 200_000);
  });

  it("fmix32 is a bijection on a sample (no collisions among 2^20 consecutive inputs) and mixes neighbours", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2 ** 20; i++) seen.add(fmix32(i));
    expect(seen.size).toBe(2 ** 20);
    expect(Math.abs(fmix32(1) - fmix32(2))).toBeGreaterThan(1000);
  });

  it("refuses an index outside the seed space or an unknown split", () => {
    expect(() => exampleSeed("train", -1)).toThrow(/index must be an integer/);
    expect(() => exampleSeed("train", 2 ** 31)).toThrow(/index must be an integer in 0\.\./);
    expect(() => exampleSeed("dev" as "train", 0)).toThrow(/split must be one of train, validation, test/);
  });
});

describe("scenes", () => {
  it("each split draws only scenes of its own bucket", () => {
    for (const split of SPLITS) for (let i = 0; i < 300; i++) expect(sceneSplit(splitScene(split, i, config).scene)).toBe(split);
  });

  it(`no test or validation scene (1,000 each) has the key of any of the first ${TRAIN} training scenes`, () => {
    for (const split of ["test", "validation"] as const) {
      for (let i = 0; i < 1000; i++) expect(trainKeys.has(sceneKey(splitScene(split, i, config).scene))).toBe(false);
    }
  });

  it("without the bucket rule, many test scenes would repeat a training scene (measured and printed)", () => {
    // The same seeds, but every scene accepted: what "disjoint seeds" alone would give.
    const free = (split: "train" | "test", i: number): Scene => sampleTaskScene(seededRng(exampleSeed(split, i)), config).scene;
    const freeTrain = new Set<string>();
    for (let i = 0; i < TRAIN; i++) freeTrain.add(sceneKey(free("train", i)));
    const tally = { all: 0, hit: 0, shapes1: 0, shapes1Hit: 0, text: 0, textHit: 0 };
    for (let i = 0; i < 2000; i++) {
      const s = free("test", i);
      const hit = freeTrain.has(sceneKey(s));
      tally.all++;
      tally.hit += hit ? 1 : 0;
      if (s.kind === "text") {
        tally.text++;
        tally.textHit += hit ? 1 : 0;
      } else if (s.objects.length === 1) {
        tally.shapes1++;
        tally.shapes1Hit += hit ? 1 : 0;
      }
    }
    const pct = (a: number, b: number) => `${((100 * a) / b).toFixed(1)}%`;
    console.log(
      `key collisions with ${TRAIN} training scenes, without the bucket rule: ${pct(tally.hit, tally.all)} of test scenes ` +
        `(one-object scenes ${pct(tally.shapes1Hit, tally.shapes1)}, text scenes ${pct(tally.textHit, tally.text)}); with it: 0`,
    );
    expect(tally.hit).toBeGreaterThan(0); // the rule is needed: disjoint seeds alone do not give unseen scenes
    expect(tally.shapes1Hit / tally.shapes1).toBeGreaterThan(tally.hit / tally.all); // and one-object scenes are why
  });

  it("the bucket rule keeps ~5% of scenes for test and ~5% for validation", () => {
    const counts = { train: 0, validation: 0, test: 0 };
    const rng = seededRng(77);
    for (let i = 0; i < 20_000; i++) counts[sceneSplit(sampleTaskScene(rng, config).scene)]++;
    expect(Math.abs(counts.test / 20_000 - 0.05)).toBeLessThan(0.01);
    expect(Math.abs(counts.validation / 20_000 - 0.05)).toBeLessThan(0.01);
  });
});

describe("examples", () => {
  it("splitExample is deterministic, agrees with splitScene, and examples of one split differ", () => {
    const a = splitExample("test", 7, config);
    expect(splitExample("test", 7, config)).toEqual(a);
    expect(sceneKey(a.scene)).toBe(sceneKey(splitScene("test", 7, config).scene));
    const batch = splitExamples("validation", 0, 50, config);
    expect(new Set(batch.map((e) => sceneKey(e.scene))).size).toBeGreaterThan(45);
    expect(() => splitExamples("train", 0, -1, config)).toThrow(/count must be a non-negative integer/);
  });
});
