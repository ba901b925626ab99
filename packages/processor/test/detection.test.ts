// Detection parsing on hand-written model outputs with known boxes, including malformed ones.
import { describe, expect, it } from "vitest";
import { locToPixel, parseDetections, roundHalfEven } from "../src/index.ts";

const size = { width: 640, height: 480 };

describe("parseDetections", () => {
  it("one object: y before x, value / 1024 * size, in pixels of the original image", () => {
    const d = parseDetections("<loc0256><loc0128><loc0768><loc0896> cat", size);
    // ymin 256/1024*480 = 120, xmin 128/1024*640 = 80, ymax 768/1024*480 = 360, xmax 896/1024*640 = 560
    expect(d).toEqual([{ label: "cat", box: { xmin: 80, ymin: 120, xmax: 560, ymax: 360 } }]);
  });

  it("several objects separated by ' ; ', labels with spaces", () => {
    const text = "<loc0000><loc0000><loc1023><loc1023> big red car ; <loc0512><loc0512><loc0600><loc0700> dog";
    expect(parseDetections(text, size)).toEqual([
      { label: "big red car", box: { xmin: 0, ymin: 0, xmax: 639, ymax: 480 } }, // 1023/1024*640 = 639.375, *480 = 479.53
      { label: "dog", box: { xmin: 320, ymin: 240, xmax: 438, ymax: 281 } }, // 700*0.625 = 437.5 -> 438 (even), 600*0.46875 = 281.25
    ]);
  });

  it("rounds like Python (half to even), as the reference demo does", () => {
    expect([roundHalfEven(0.5), roundHalfEven(1.5), roundHalfEven(2.5), roundHalfEven(2.4), roundHalfEven(-2.5)]).toEqual([0, 2, 2, 2, -2]);
    expect(locToPixel(48, 224)).toBe(10); // 48/1024*224 = 10.5 -> 10
    expect(locToPixel(16, 224)).toBe(4); // 3.5 -> 4
  });

  it("tolerates malformed output: fewer than four locs, stray text, out-of-range values, no label", () => {
    const text = "junk <loc0100><loc0200> half ; <loc0100><loc0200><loc0300><loc0400> cat ; <loc9999><loc0000><loc0010><loc0010> bad ; trailing text <loc0001>";
    const d = parseDetections(text, { width: 1024, height: 1024 });
    expect(d).toEqual([{ label: "cat", box: { xmin: 200, ymin: 100, xmax: 400, ymax: 300 } }]);
    expect(parseDetections("<loc0100><loc0200><loc0300><loc0400>", size)[0].label).toBe("");
    expect(parseDetections("", size)).toEqual([]);
    expect(parseDetections("no boxes here", size)).toEqual([]);
    expect(parseDetections("<loc01><loc0200><loc0300><loc0400> short digits", size)).toEqual([]);
  });

  it("whitespace between locs is accepted; swapped corners are put in order", () => {
    const d = parseDetections("<loc0300> <loc0400> <loc0100> <loc0200> cat", { width: 1024, height: 1024 });
    expect(d[0].box).toEqual({ xmin: 200, ymin: 100, xmax: 400, ymax: 300 });
  });

  it("segmentation output also parses as detections (the <seg> tokens are skipped)", () => {
    const segs = Array.from({ length: 16 }, (_, i) => `<seg${String(i).padStart(3, "0")}>`).join("");
    expect(parseDetections(`<loc0100><loc0200><loc0300><loc0400>${segs} cat`, { width: 1024, height: 1024 })).toEqual([
      { label: "cat", box: { xmin: 200, ymin: 100, xmax: 400, ymax: 300 } },
    ]);
  });
});
