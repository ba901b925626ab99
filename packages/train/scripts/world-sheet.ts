/**
 * world-sheet.ts — draw a contact sheet of the world so a person can look at what the model will see.
 *
 *   npx tsx packages/train/scripts/world-sheet.ts [PATH, default <repo>/out/world-sheet.png] [--split validation] [--count 24] [--zoom 3] [--boxes]
 *
 * Each cell is one example at the model's resolution, enlarged `zoom` times with nearest-neighbour
 * (every model pixel stays a crisp square), and below it the prompt and the answer in the 5x7
 * bitmap font. With --boxes, detect answers are parsed back with parseDetections and drawn, which
 * checks the <loc> round trip by eye. The examples are the first `count` of a split (validation
 * by default), so the sheet is the same every run.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type RgbImage, GLYPH_ADVANCE, GLYPH_HEIGHT, drawDetections, parseDetections, rasterizeText, saveImage } from "@paligemma-ts/processor";
import { type Split, numImageTokens, splitExamples, worldConfig } from "../src/index.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    split: { type: "string", default: "validation" },
    count: { type: "string", default: "24" },
    zoom: { type: "string", default: "3" },
    columns: { type: "string", default: "6" },
    boxes: { type: "boolean", default: false },
  },
});
const out = positionals[0] ? resolve(positionals[0]) : fileURLToPath(new URL("../../../out/world-sheet.png", import.meta.url)); // repo-root out/ (git-ignored)
const config = worldConfig();
const S = config.imageSize;
const zoom = Number(values.zoom);
const columns = Number(values.columns);
const examples = splitExamples(values.split as Split, 0, Number(values.count), config);

// Cell: the zoomed image, then text lines (wrapped to the cell width) for "prefix" and "-> suffix".
const cellW = Math.max(S * zoom, 34 * GLYPH_ADVANCE) + 8;
const charsPerLine = Math.floor((cellW - 8) / GLYPH_ADVANCE);
const wrap = (text: string): string[] => {
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += charsPerLine) lines.push(text.slice(i, i + charsPerLine));
  return lines.length ? lines : [""];
};
const texts = examples.map((e) => [...wrap(e.prefix), ...wrap(`-> ${e.suffix}`)]);
const maxLines = Math.max(...texts.map((t) => t.length));
const lineH = GLYPH_HEIGHT + 3;
const cellH = S * zoom + 8 + maxLines * lineH + 6;
const rows = Math.ceil(examples.length / columns);
const sheet: RgbImage = { width: columns * cellW, height: rows * cellH, data: new Uint8Array(columns * cellW * rows * cellH * 3).fill(250) };

const put = (x: number, y: number, rgb: readonly number[]) => {
  if (x < 0 || y < 0 || x >= sheet.width || y >= sheet.height) return;
  const p = (y * sheet.width + x) * 3;
  sheet.data[p] = rgb[0];
  sheet.data[p + 1] = rgb[1];
  sheet.data[p + 2] = rgb[2];
};

examples.forEach((e, k) => {
  const x0 = (k % columns) * cellW + 4;
  const y0 = Math.floor(k / columns) * cellH + 4;
  let image = e.image;
  if (values.boxes && e.task === "detect") image = drawDetections(image, parseDetections(e.suffix, { width: S, height: S }));
  for (let y = 0; y < S * zoom; y++) {
    for (let x = 0; x < S * zoom; x++) {
      const p = (Math.floor(y / zoom) * S + Math.floor(x / zoom)) * 3;
      put(x0 + x, y0 + y, [image.data[p], image.data[p + 1], image.data[p + 2]]);
    }
  }
  texts[k].forEach((line, i) => {
    const ink = line.startsWith("->") || i >= wrap(e.prefix).length ? [20, 90, 20] : [20, 20, 20];
    rasterizeText(line, x0, y0 + S * zoom + 6 + i * lineH, 1, (x, y) => put(x, y, ink));
  });
});

mkdirSync(dirname(out), { recursive: true });
await saveImage(sheet, out);
console.log(`wrote ${out}: ${examples.length} ${values.split} examples, ${S}x${S} images (${numImageTokens(config)} image tokens) shown at ${zoom}x`);
