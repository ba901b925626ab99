// Segmentation parsing: box + 16 <seg> codebook indices, on hand-written outputs incl. malformed ones.
import { describe, expect, it } from "vitest";
import { parseSegmentations } from "../src/index.ts";

const seg = (codes: number[]) => codes.map((c) => `<seg${String(c).padStart(3, "0")}>`).join("");
const codesA = [0, 1, 2, 3, 127, 64, 12, 99, 5, 6, 7, 8, 9, 10, 11, 100];
const codesB = Array.from({ length: 16 }, (_, i) => 127 - i);
const size = { width: 1024, height: 512 };

describe("parseSegmentations", () => {
  it("box (y before x, /1024) plus the 16 codes in order", () => {
    const out = parseSegmentations(`<loc0100><loc0200><loc0300><loc0400>${seg(codesA)} cat`, size);
    expect(out).toEqual([{ label: "cat", box: { xmin: 200, ymin: 50, xmax: 400, ymax: 150 }, locs: [100, 200, 300, 400], codes: codesA }]);
  });

  it("several objects separated by ' ; '", () => {
    const text = `<loc0000><loc0000><loc0512><loc0512> ${seg(codesA)} cat ; <loc0512><loc0512><loc1023><loc1023>${seg(codesB)} dog`;
    const out = parseSegmentations(text, size);
    expect(out.map((o) => o.label)).toEqual(["cat", "dog"]);
    expect(out[1].codes).toEqual(codesB);
    expect(out[1].box).toEqual({ xmin: 512, ymin: 256, xmax: 1023, ymax: 512 }); // 1023/1024*512 = 511.5 -> 512 (half to even)
  });

  it("skips objects with too few or too many codes, or out-of-range ones, without throwing", () => {
    const text = [
      `<loc0100><loc0200><loc0300><loc0400>${seg(codesA.slice(0, 15))} fifteen`,
      `<loc0100><loc0200><loc0300><loc0400>${seg([...codesA, 1])} seventeen`,
      `<loc0100><loc0200><loc0300><loc0400><seg200>${seg(codesA.slice(1))} out of range`,
      `<loc0100><loc0200> no box`,
      `<loc0100><loc0200><loc0300><loc0400>${seg(codesB)} good`,
    ].join(" ; ");
    const out = parseSegmentations(text, size);
    expect(out.map((o) => o.label)).toEqual(["good"]);
    expect(parseSegmentations("<loc0100><loc0200><loc0300><loc0400> plain detection", size)).toEqual([]);
    expect(parseSegmentations("garbage", size)).toEqual([]);
  });
});
