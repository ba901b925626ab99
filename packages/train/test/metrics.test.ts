// Metrics: exact match, IoU, detection recall (the right answer scores 1, a box moved too far or a
// wrong label scores 0, a duplicate box cannot count twice), and the per-task tally.
import { seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { TaskAccuracy, boxIou, detectTask, detectionRecall, exactMatch, formatDetections, sampleShapeScene, scoreExample, splitExamples, worldConfig } from "../src/index.ts";

const config = worldConfig();
const size = { width: 64, height: 64 };

describe("exactMatch and boxIou", () => {
  it("exact match ignores surrounding whitespace only", () => {
    expect(exactMatch(" a red circle\n", "a red circle")).toBe(true);
    expect(exactMatch("a red circle", "a red  circle")).toBe(false);
    expect(exactMatch("2", "3")).toBe(false);
  });

  it("IoU of identical, disjoint, half-shifted and nested boxes", () => {
    const a = { xmin: 0, ymin: 0, xmax: 16, ymax: 16 };
    expect(boxIou(a, a)).toBe(1);
    expect(boxIou(a, { xmin: 16, ymin: 0, xmax: 32, ymax: 16 })).toBe(0);
    expect(boxIou(a, { xmin: 8, ymin: 0, xmax: 24, ymax: 16 })).toBeCloseTo(128 / 384, 12);
    expect(boxIou(a, { xmin: 4, ymin: 4, xmax: 12, ymax: 12 })).toBeCloseTo(64 / 256, 12);
    expect(boxIou(a, { xmin: 4, ymin: 0, xmax: 4, ymax: 16 })).toBe(0); // empty box
  });
});

describe("detectionRecall", () => {
  const scene = Array.from({ length: 500 }, (_, i) => sampleShapeScene(seededRng(i), config)).find((s) => s.objects.filter((o) => o.shape === s.objects[0].shape).length >= 2)!;
  const label = scene.objects[0].shape;
  const truth = scene.objects.filter((o) => o.shape === label).map((o) => ({ label, box: o.box }));

  it("the task's own answer finds every object; order does not matter", () => {
    expect(detectionRecall(formatDetections(truth, 64), truth, size)).toEqual({ found: truth.length, total: truth.length });
    expect(detectionRecall(formatDetections([...truth].reverse(), 64), truth, size).found).toBe(truth.length);
  });

  it("one box: wrong label 0, a duplicate counts once, a box shifted by 1/3 of its width still matches, by 2/3 not", () => {
    const one = [truth[0]];
    const b = truth[0].box;
    const w = b.xmax - b.xmin;
    const shift = (dx: number) => [{ label, box: { ...b, xmin: b.xmin + dx, xmax: b.xmax + dx } }];
    expect(detectionRecall(formatDetections([{ label: "blue x", box: b }], 64), one, size).found).toBe(0);
    expect(detectionRecall(formatDetections([one[0], one[0]], 64), truth, size).found).toBe(1);
    expect(detectionRecall(formatDetections(shift(Math.floor(w / 3)), 64), one, size).found).toBe(1); // IoU (2/3) / (4/3) = 0.5
    expect(detectionRecall(formatDetections(shift(Math.ceil((2 * w) / 3)), 64), one, size).found).toBe(0);
    expect(detectionRecall("garbage <loc0001> text", one, size)).toEqual({ found: 0, total: 1 });
    expect(detectionRecall("", [], size)).toEqual({ found: 0, total: 0 });
  });
});

describe("scoreExample and TaskAccuracy", () => {
  it("scores the examples' own answers as perfect and wrong answers as wrong, per task", () => {
    const examples = splitExamples("validation", 0, 200, config);
    const right = new TaskAccuracy();
    const wrong = new TaskAccuracy();
    for (const e of examples) {
      right.addExample(e, e.suffix);
      wrong.addExample(e, e.task === "detect" ? "" : `${e.suffix}x`);
    }
    const r = right.results();
    const w = wrong.results();
    for (const task of ["caption", "detect", "vqa", "ocr"] as const) {
      expect(r[task]!.accuracy).toBe(1);
      expect(w[task]!.accuracy).toBe(0);
    }
    expect(r.detect!.total).toBeGreaterThan(examples.filter((e) => e.task === "detect").length - 1); // objects, not examples
    console.log(`right: ${right}\nwrong: ${wrong}`);
  });

  it("a detect example without its truth, or a bad tally, is an error", () => {
    const e = detectTask(seededRng(1), sampleShapeScene(seededRng(1), config));
    expect(() => scoreExample({ ...e, detections: undefined, scene: sampleShapeScene(seededRng(1), config) }, "")).toThrow(/needs its true detections/);
    const t = new TaskAccuracy();
    expect(() => t.add("caption", 2, 1)).toThrow(/0 <= correct <= total/);
    expect(() => t.add("segment" as "caption", 0, 1)).toThrow(/task must be one of/);
  });
});
