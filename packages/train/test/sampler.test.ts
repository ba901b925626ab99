// The sampler: the task mix matches its weights (within 4 standard deviations), each task gets
// the scene kind it needs, a zero weight never appears, and bad weights are refused.
import { ArgumentError, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { DEFAULT_TASK_WEIGHTS, TASK_NAMES, TASK_SCENE, type TaskName, type TaskWeights, sampleExample, sampleScene, worldConfig } from "../src/index.ts";

const config = worldConfig();

function mix(weights: TaskWeights, n: number, seed: number): Record<TaskName, number> {
  const rng = seededRng(seed);
  const counts = { caption: 0, detect: 0, vqa: 0, ocr: 0 };
  for (let i = 0; i < n; i++) {
    const ex = sampleExample(rng, config, weights);
    counts[ex.task]++;
    expect(ex.scene.kind).toBe(TASK_SCENE[ex.task]);
    expect(ex.image.width).toBe(64);
  }
  return counts;
}

describe("sampleExample", () => {
  it("the default mix is 25% caption, 30% detect, 25% vqa, 20% ocr (each within 4 sigma over 4000 examples)", () => {
    const n = 4000;
    const counts = mix(DEFAULT_TASK_WEIGHTS, n, 1);
    const total = TASK_NAMES.reduce((s, t) => s + DEFAULT_TASK_WEIGHTS[t], 0);
    for (const t of TASK_NAMES) {
      const p = DEFAULT_TASK_WEIGHTS[t] / total;
      const sigma = Math.sqrt(n * p * (1 - p));
      console.log(`${t}: ${counts[t]} / ${n} (expected ${(n * p).toFixed(0)} +- ${sigma.toFixed(0)})`);
      expect(Math.abs(counts[t] - n * p)).toBeLessThan(4 * sigma);
    }
  });

  it("relative weights need not sum to 1, and a zero weight never appears", () => {
    const n = 1500;
    const counts = mix({ caption: 3, detect: 1, vqa: 0, ocr: 0 }, n, 2);
    expect(counts.vqa + counts.ocr).toBe(0);
    expect(Math.abs(counts.caption - 0.75 * n)).toBeLessThan(4 * Math.sqrt(n * 0.75 * 0.25));
  });

  it("each example carries image, prefix, suffix, task and scene; the same generator state repeats it", () => {
    const a = sampleExample(seededRng(9), config);
    const b = sampleExample(seededRng(9), config);
    expect(Object.keys(a).sort()).toEqual(expect.arrayContaining(["image", "prefix", "scene", "suffix", "task"]));
    expect(b).toEqual(a);
  });

  it("refuses bad weights and an accept() that never accepts", () => {
    expect(() => sampleExample(seededRng(1), config, { caption: 0, detect: 0, vqa: 0, ocr: 0 })).toThrow(ArgumentError);
    expect(() => sampleExample(seededRng(1), config, { caption: -1, detect: 1, vqa: 1, ocr: 1 })).toThrow(/weights must be finite and >= 0/);
    expect(() => sampleScene(seededRng(1), "shapes", config, () => false)).toThrow(/rejected 10000 shapes scenes/);
  });
});
