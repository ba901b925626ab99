/**
 * plot.ts — the few pictures the lessons draw, as PNGs written with jimp: heatmaps (attention maps,
 * masks, RoPE tables), line charts (activation curves, dot product vs distance), bar charts
 * (probability distributions), and a way to lay them out side by side with titles.
 *
 * Imported by the examples and the notebooks as `@paligemma-ts/examples/plot`. Everything is drawn
 * pixel by pixel into an RGBA bitmap: no canvas, no browser, deterministic output.
 *
 *   heatmap(values, rows, cols)  cell (r, c) colored by values[r * cols + c]
 *     colormap "sequential": min -> white, max -> dark blue (probabilities, attention weights)
 *     colormap "diverging" : -max|v| -> red, 0 -> white, +max|v| -> blue (signed values)
 *     colormap "mask"      : 0 -> attended (blue), -Infinity -> blocked (light grey)
 *   savePng(image, "04-attention-masks.png") writes <repo>/out/04-attention-masks.png and returns
 *   the repo-relative path "out/04-attention-masks.png".
 *
 * Leaves out: axes with tick labels (titles and legends only), anti-aliasing.
 */
import { mkdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Jimp, type JimpInstance, loadFont } from "jimp";
import { SANS_14_BLACK } from "jimp/fonts";

export type Rgb = readonly [number, number, number];
export type Colormap = "sequential" | "diverging" | "mask";

/** The repository root (two levels above this file) and its out/ folder. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const OUT_DIR = join(REPO_ROOT, "out");

const WHITE: Rgb = [255, 255, 255];
const BLUE: Rgb = [33, 84, 168];
const RED: Rgb = [190, 40, 40];
const GREY: Rgb = [225, 225, 225];
/** Distinct line/bar colors, in order. */
export const PALETTE: readonly Rgb[] = [[33, 84, 168], [214, 96, 24], [44, 150, 60], [160, 50, 160], [120, 120, 120]];

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [0, 1, 2].map((i) => Math.round(a[i] + (b[i] - a[i]) * t)) as unknown as Rgb;

/** A blank RGBA image filled with one color. */
export function blank(width: number, height: number, color: Rgb = WHITE): JimpInstance {
  const img = new Jimp({ width, height, color: 0xffffffff });
  fillRect(img, 0, 0, width, height, color);
  return img;
}

/** Paint the rectangle [x, x+w) x [y, y+h) (clipped to the image). */
export function fillRect(img: JimpInstance, x: number, y: number, w: number, h: number, c: Rgb): void {
  const { width, height, data } = img.bitmap;
  for (let yy = Math.max(0, y); yy < Math.min(height, y + h); yy++) {
    for (let xx = Math.max(0, x); xx < Math.min(width, x + w); xx++) {
      const o = (yy * width + xx) * 4;
      data[o] = c[0];
      data[o + 1] = c[1];
      data[o + 2] = c[2];
      data[o + 3] = 255;
    }
  }
}

export interface HeatmapOptions {
  /** Pixels per cell (default 24). */
  cell?: number;
  colormap?: Colormap;
  /** Value range for "sequential" (default: the data's min and max). */
  min?: number;
  max?: number;
  /** Thin white lines between cells (default true when cell >= 8). */
  gridLines?: boolean;
}

/** A rows x cols heatmap of values (row-major). */
export function heatmap(values: ArrayLike<number>, rows: number, cols: number, options: HeatmapOptions = {}): JimpInstance {
  const cell = options.cell ?? 24;
  const cmap = options.colormap ?? "sequential";
  const finite = Array.from(values).filter(Number.isFinite);
  const lo = options.min ?? Math.min(...finite);
  const hi = options.max ?? Math.max(...finite);
  const absMax = Math.max(...finite.map(Math.abs), 1e-12);
  const color = (v: number): Rgb => {
    if (cmap === "mask") return v === -Infinity ? GREY : BLUE;
    if (cmap === "diverging") return v >= 0 ? mix(WHITE, BLUE, Math.min(1, v / absMax)) : mix(WHITE, RED, Math.min(1, -v / absMax));
    return mix(WHITE, BLUE, hi > lo ? (v - lo) / (hi - lo) : 1);
  };
  const grid = options.gridLines ?? cell >= 8;
  const img = blank(cols * cell, rows * cell);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const g = grid ? 1 : 0;
      fillRect(img, c * cell, r * cell, cell - g, cell - g, color(values[r * cols + c]));
    }
  }
  return img;
}

export interface Series {
  label: string;
  /** y values at x = 0, 1, 2, ... (or at `x` when given). */
  values: ArrayLike<number>;
  x?: ArrayLike<number>;
  color?: Rgb;
}

/** Line chart of one or more series on shared axes (a zero line is drawn when 0 is in range). */
export async function lineChart(series: readonly Series[], options: { width?: number; height?: number } = {}): Promise<JimpInstance> {
  const W = options.width ?? 480;
  const H = options.height ?? 240;
  const pad = 10;
  const xs = series.map((s) => (s.x ? Array.from(s.x) : Array.from({ length: s.values.length }, (_, i) => i)));
  const allX = xs.flat();
  const allY = series.flatMap((s) => Array.from(s.values)).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...allX), Math.max(...allX)];
  const [y0, y1] = [Math.min(...allY), Math.max(...allY)];
  const px = (x: number) => pad + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * pad);
  const py = (y: number) => H - pad - ((y - y0) / (y1 - y0 || 1)) * (H - 2 * pad);
  const img = blank(W, H);
  fillRect(img, pad, H - pad, W - 2 * pad, 1, [0, 0, 0]); // x axis (bottom)
  fillRect(img, pad, pad, 1, H - 2 * pad, [0, 0, 0]); // y axis (left)
  if (y0 < 0 && y1 > 0) fillRect(img, pad, Math.round(py(0)), W - 2 * pad, 1, [170, 170, 170]);
  series.forEach((s, k) => {
    const c = s.color ?? PALETTE[k % PALETTE.length];
    for (let i = 1; i < s.values.length; i++) {
      drawLine(img, px(xs[k][i - 1]), py(s.values[i - 1]), px(xs[k][i]), py(s.values[i]), c);
    }
  });
  return withLegend(img, series.map((s, k) => ({ label: s.label, color: s.color ?? PALETTE[k % PALETTE.length] })));
}

/** Bar chart: one bar per value, bars at or above zero; `colors[i]` overrides bar i's color. */
export function barChart(values: ArrayLike<number>, options: { height?: number; bar?: number; max?: number; colors?: readonly (Rgb | undefined)[] } = {}): JimpInstance {
  const H = options.height ?? 160;
  const bw = options.bar ?? 12;
  const max = options.max ?? Math.max(...Array.from(values), 1e-12);
  const img = blank(values.length * bw + 2, H + 1);
  fillRect(img, 0, H, values.length * bw + 2, 1, [0, 0, 0]);
  for (let i = 0; i < values.length; i++) {
    const h = Math.round((Math.max(0, values[i]) / max) * (H - 4));
    fillRect(img, 1 + i * bw, H - h, bw - 2, h, options.colors?.[i] ?? BLUE);
  }
  return img;
}

/** Bresenham-style line with 2-pixel thickness. */
function drawLine(img: JimpInstance, xa: number, ya: number, xb: number, yb: number, c: Rgb): void {
  const n = Math.max(1, Math.ceil(Math.max(Math.abs(xb - xa), Math.abs(yb - ya))));
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    fillRect(img, Math.round(xa + (xb - xa) * t), Math.round(ya + (yb - ya) * t), 2, 2, c);
  }
}

let fontPromise: ReturnType<typeof loadFont> | null = null;
// Under Deno (the notebooks) jimp takes the web-worker path and `fetch`es the font, which needs a URL.
const fontFile = "Deno" in globalThis ? pathToFileURL(SANS_14_BLACK).href : SANS_14_BLACK;
const font = () => (fontPromise ??= loadFont(fontFile));

/** The image with a text strip above it. */
export async function titled(img: JimpInstance, title: string): Promise<JimpInstance> {
  const strip = 22;
  const out = blank(Math.max(img.bitmap.width, 8 * title.length + 8), img.bitmap.height + strip);
  out.print({ font: await font(), x: 2, y: 3, text: title });
  out.composite(img, 0, strip);
  return out;
}

async function withLegend(img: JimpInstance, entries: readonly { label: string; color: Rgb }[]): Promise<JimpInstance> {
  const lh = 18;
  const out = blank(img.bitmap.width, img.bitmap.height + lh * entries.length + 4);
  out.composite(img, 0, 0);
  for (const [k, e] of entries.entries()) {
    const y = img.bitmap.height + 4 + k * lh;
    fillRect(out, 12, y + 6, 16, 4, e.color);
    out.print({ font: await font(), x: 34, y, text: e.label });
  }
  return out;
}

/** Images side by side (row) with a gap, top-aligned, on white. */
export function hstack(images: readonly JimpInstance[], gap = 16): JimpInstance {
  const W = images.reduce((s, im) => s + im.bitmap.width, 0) + gap * (images.length - 1);
  const H = Math.max(...images.map((im) => im.bitmap.height));
  const out = blank(W, H);
  let x = 0;
  for (const im of images) {
    out.composite(im, x, 0);
    x += im.bitmap.width + gap;
  }
  return out;
}

/** Images stacked vertically with a gap, left-aligned, on white. */
export function vstack(images: readonly JimpInstance[], gap = 16): JimpInstance {
  const W = Math.max(...images.map((im) => im.bitmap.width));
  const H = images.reduce((s, im) => s + im.bitmap.height, 0) + gap * (images.length - 1);
  const out = blank(W, H);
  let y = 0;
  for (const im of images) {
    out.composite(im, 0, y);
    y += im.bitmap.height + gap;
  }
  return out;
}

/** Titled panels laid out `columns` per row. */
export async function panels(items: readonly { title: string; image: JimpInstance }[], columns = items.length, gap = 16): Promise<JimpInstance> {
  const tiles = await Promise.all(items.map((it) => titled(it.image, it.title)));
  const rows: JimpInstance[] = [];
  for (let i = 0; i < tiles.length; i += columns) rows.push(hstack(tiles.slice(i, i + columns), gap));
  return vstack(rows, gap);
}

/** Write img as <repo>/out/<name> (a margin is added) and return the repo-relative path. */
export async function savePng(img: JimpInstance, name: `${string}.png`): Promise<string> {
  mkdirSync(OUT_DIR, { recursive: true });
  const framed = blank(img.bitmap.width + 16, img.bitmap.height + 16);
  framed.composite(img, 8, 8);
  const path = join(OUT_DIR, name) as `${string}.png`;
  await framed.write(path);
  return relative(REPO_ROOT, path);
}
