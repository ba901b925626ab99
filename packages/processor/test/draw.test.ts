// Drawing boxes and labels: pixels on the outline take the label's color, the inside is untouched,
// the label text is drawn, everything is clipped, and the result saves and loads (for --draw out.png).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RgbImage, PALETTE, drawDetections, loadImage, parseDetections, saveImage } from "../src/index.ts";
import { glyph, rasterizeText, textWidth } from "../src/bitmap_font.ts";

const gray = (w: number, h: number): RgbImage => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(128) });
const px = (im: RgbImage, x: number, y: number) => [...im.data.subarray((y * im.width + x) * 3, (y * im.width + x) * 3 + 3)];

describe("drawDetections", () => {
  const img = gray(200, 100); // thickness max(1, round(100/200)) = 1, text scale 1
  const dets = [
    { label: "cat", box: { xmin: 50, ymin: 40, xmax: 150, ymax: 90 } },
    { label: "dog", box: { xmin: 10, ymin: 0, xmax: 40, ymax: 30 } },
  ];
  const out = drawDetections(img, dets);

  it("returns a new image and leaves the input untouched", () => {
    expect(out.data).not.toBe(img.data);
    expect(img.data.every((v) => v === 128)).toBe(true);
  });

  it("draws each box outline in its label's color; the inside and outside stay as they were", () => {
    const [c0, c1] = [PALETTE[0], PALETTE[1]].map((c) => [...c]);
    expect(px(out, 100, 40)).toEqual(c0); // top edge
    expect(px(out, 100, 89)).toEqual(c0); // bottom edge (inside the box)
    expect(px(out, 50, 60)).toEqual(c0); // left edge
    expect(px(out, 149, 60)).toEqual(c0); // right edge
    expect(px(out, 100, 65)).toEqual([128, 128, 128]); // inside
    expect(px(out, 180, 95)).toEqual([128, 128, 128]); // outside
    expect(px(out, 25, 29)).toEqual(c1);
  });

  it("draws the label on a tag above the box (inside it when the box touches the top)", () => {
    // "cat" tag: above y = 40, height 7 + 2 = 9 -> rows 31..39, from x = 50, width 17 + 2.
    const tagRows = (y0: number, y1: number, x0: number, x1: number) => {
      const colors = new Set<string>();
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) colors.add(px(out, x, y).join(","));
      return colors;
    };
    const cat = tagRows(31, 40, 50, 50 + textWidth("cat") + 2);
    expect(cat.has([...PALETTE[0]].join(","))).toBe(true);
    expect(cat.has("255,255,255")).toBe(true); // white text on the dark blue tag
    expect(tagRows(0, 9, 10, 10 + textWidth("dog") + 2).has([...PALETTE[1]].join(","))).toBe(true); // inside, at the top
  });

  it("the same label reuses its color; boxes off the image are clipped without throwing", () => {
    const o = drawDetections(gray(50, 50), [
      { label: "a", box: { xmin: -20, ymin: -20, xmax: 10, ymax: 10 } },
      { label: "b", box: { xmin: 40, ymin: 40, xmax: 500, ymax: 500 } },
      { label: "a", box: { xmin: 20, ymin: 20, xmax: 30, ymax: 30 } },
      { label: "", box: { xmin: 0, ymin: 0, xmax: 0, ymax: 0 } },
    ]);
    expect(px(o, 25, 20)).toEqual([...PALETTE[0]]);
    expect(px(o, 45, 40)).toEqual([...PALETTE[1]]);
  });

  const dir = mkdtempSync(join(tmpdir(), "processor-draw-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it("end to end: parse a detection answer, draw it on a photo, save and reload as PNG", async () => {
    const photo = await loadImage(new URL("../../../fixtures/images/chelsea.png", import.meta.url).pathname);
    const found = parseDetections("<loc0100><loc0200><loc0900><loc0800> cat ; <loc0010><loc0010><loc0200><loc0300> wall", photo);
    const drawn = drawDetections(photo, found);
    const p = join(dir, "out.png");
    await saveImage(drawn, p);
    const back = await loadImage(p);
    expect(back.data).toEqual(drawn.data);
    expect(px(back, found[0].box.xmin, Math.round((found[0].box.ymin + found[0].box.ymax) / 2))).toEqual([...PALETTE[0]]);
  });
});

describe("bitmap font", () => {
  it("has a glyph per printable ASCII character; others fall back to '?'", () => {
    expect(glyph("A")).toHaveLength(5);
    expect([...glyph("é")]).toEqual([...glyph("?")]);
    expect([...glyph(" ")]).toEqual([0, 0, 0, 0, 0]);
  });

  it("'I' is a vertical bar with serifs: its middle column is lit top to bottom", () => {
    const lit = new Set<string>();
    rasterizeText("I", 0, 0, 1, (x, y) => lit.add(`${x},${y}`));
    for (let y = 0; y < 7; y++) expect(lit.has(`2,${y}`)).toBe(true);
    expect(textWidth("ab", 2)).toBe(22);
  });
});
