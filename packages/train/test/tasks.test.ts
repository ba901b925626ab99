// Tasks: every answer agrees with the scene it describes — captions list the objects left to right
// in the stated grammar, counts and colors are right, color questions are only asked when
// unambiguous, and detection answers round-trip through processor's parseDetections.
import { seededRng } from "@paligemma-ts/tensor";
import { LOC_BINS, parseDetections } from "@paligemma-ts/processor";
import { describe, expect, it } from "vitest";
import {
  COLOR_NAMES,
  SHAPE_NAMES,
  SHAPE_PLURALS,
  type ShapeScene,
  boxToLocs,
  captionTask,
  centerX,
  detectTask,
  makeTask,
  ocrTask,
  pixelToLoc,
  sampleShapeScene,
  sampleTextScene,
  vqaTask,
  worldConfig,
} from "../src/index.ts";

const config = worldConfig();
const scenes: ShapeScene[] = Array.from({ length: 2000 }, (_, i) => sampleShapeScene(seededRng(i), config));
const COLOR = `(${COLOR_NAMES.join("|")})`;
const SHAPE = `(${SHAPE_NAMES.join("|")})`;

describe("caption", () => {
  it('follows `a <color> <shape>( and a <color> <shape>)*` and lists the objects left to right', () => {
    const phrase = new RegExp(`^a ${COLOR} ${SHAPE}$`);
    for (const s of scenes) {
      const { prefix, suffix } = captionTask(s);
      expect(prefix).toBe("caption en");
      const parts = suffix.split(" and ");
      expect(parts).toHaveLength(s.objects.length);
      parts.forEach((p, k) => {
        const m = p.match(phrase);
        expect(m, p).not.toBeNull();
        expect([m![1], m![2]]).toEqual([s.objects[k].color, s.objects[k].shape]);
      });
      // left to right by the pixels themselves: each object's box center is right of the previous one's
      for (let k = 1; k < s.objects.length; k++) {
        const c = (o: ShapeScene["objects"][number]) => (o.box.xmin + o.box.xmax) / 2;
        expect(c(s.objects[k])).toBeGreaterThan(c(s.objects[k - 1]));
        expect(centerX(s.objects[k]) - centerX(s.objects[k - 1])).toBeGreaterThanOrEqual(config.minCenterGap);
      }
    }
  });
});

describe("vqa", () => {
  it("counts are the number of objects of that shape; colors are asked only for a shape that occurs once", () => {
    const seen = { count: 0, color: 0, zero: 0 };
    scenes.forEach((s, i) => {
      const { prefix, suffix } = vqaTask(seededRng(10_000 + i), s);
      const count = prefix.match(/^answer en how many (circles|squares|triangles|stars)\?$/);
      const color = prefix.match(/^answer en what color is the (circle|square|triangle|star)\?$/);
      expect(count ?? color, prefix).not.toBeNull();
      if (count) {
        const shape = SHAPE_NAMES.find((n) => SHAPE_PLURALS[n] === count[1])!;
        expect(suffix).toBe(String(s.objects.filter((o) => o.shape === shape).length));
        seen.count++;
        if (suffix === "0") seen.zero++;
      } else {
        const matches = s.objects.filter((o) => o.shape === color![1]);
        expect(matches).toHaveLength(1);
        expect(suffix).toBe(matches[0].color);
        seen.color++;
      }
    });
    // both kinds are common, and "0" is a real answer but not the usual one
    expect(seen.color).toBeGreaterThan(600);
    expect(seen.count).toBeGreaterThan(600);
    expect(seen.zero / seen.count).toBeGreaterThan(0.05);
    expect(seen.zero / seen.count).toBeLessThan(0.4);
  });
});

describe("detect", () => {
  it("answers every object the label names, left to right, and the boxes round-trip through parseDetections exactly", () => {
    let multi = 0;
    scenes.forEach((s, i) => {
      const ex = detectTask(seededRng(20_000 + i), s);
      const label = ex.prefix.replace(/^detect /, "");
      expect(label).toMatch(new RegExp(`^(${COLOR} )?${SHAPE}$`));
      const named = s.objects.filter((o) => o.shape === label || `${o.color} ${o.shape}` === label);
      expect(named.length).toBeGreaterThan(0); // the label is always present in the scene
      const parsed = parseDetections(ex.suffix, { width: 64, height: 64 });
      expect(parsed.map((d) => d.label)).toEqual(named.map(() => label));
      expect(parsed.map((d) => d.box)).toEqual(named.map((o) => o.box));
      expect(ex.detections).toEqual(parsed);
      expect(ex.suffix.split(" ; ")).toHaveLength(named.length);
      if (named.length > 1) multi++;
    });
    expect(multi).toBeGreaterThan(100); // several instances are common enough to be learned
  });

  it("the suffix has the exact form <locY0><locX0><locY1><locX1> label, y before x, bins = 16 x pixel", () => {
    const s = scenes.find((x) => x.objects.length === 1)!;
    const o = s.objects[0];
    const ex = detectTask(seededRng(1), s);
    const bin = (v: number) => `<loc${String(Math.min(1023, v * 16)).padStart(4, "0")}>`;
    expect(ex.suffix).toBe(`${bin(o.box.ymin)}${bin(o.box.xmin)}${bin(o.box.ymax)}${bin(o.box.xmax)} ${ex.prefix.slice(7)}`);
  });

  it("pixelToLoc round-trips every pixel 0..S for S = 64, 48, 224 (within one bin of v * 1024 / S)", () => {
    for (const size of [64, 48, 224]) {
      for (let v = 0; v <= size; v++) {
        const loc = pixelToLoc(v, size);
        expect(loc).toBeLessThanOrEqual(LOC_BINS - 1);
        expect(Math.abs(loc - (v * LOC_BINS) / size)).toBeLessThanOrEqual(1);
        const box = { xmin: v, ymin: 0, xmax: size, ymax: v };
        const back = parseDetections(`${boxToLocs(box, size)} x`, { width: size, height: size })[0].box;
        expect(back).toEqual(box);
      }
    }
  });
});

describe("ocr and dispatch", () => {
  it("ocr answers the rendered text; makeTask refuses a scene of the wrong kind", () => {
    const t = sampleTextScene(seededRng(5), config);
    expect(ocrTask(t)).toEqual({ task: "ocr", prefix: "ocr", suffix: t.text });
    expect(makeTask(seededRng(1), "ocr", t).suffix).toBe(t.text);
    expect(() => makeTask(seededRng(1), "caption", t)).toThrow(/task "caption" needs a shape scene, got scene.kind "text"/);
    expect(() => makeTask(seededRng(1), "ocr", scenes[0])).toThrow(/needs a text scene/);
  });

  it("ocr strings are 2-5 digits or one of the words, both kinds about half the time", () => {
    let words = 0;
    const lengths = new Set<number>();
    for (let seed = 0; seed < 2000; seed++) {
      const { text } = sampleTextScene(seededRng(seed), config);
      expect(text).toMatch(/^([0-9]{2,5}|[a-z]{3,5})$/);
      if (/[a-z]/.test(text)) words++;
      else lengths.add(text.length);
    }
    expect(Math.abs(words / 2000 - 0.5)).toBeLessThan(0.05);
    expect([...lengths].sort()).toEqual([2, 3, 4, 5]);
  });
});
