/**
 * loss_curve.ts — a run's training log as CSV, and its loss curve as a PNG drawn pixel by pixel.
 *
 * Teaches: the two artifacts a training run leaves for a person: a table (step, loss, lr, grad
 * norm, validation accuracy per task) to load anywhere, and a picture. The plot maps
 *   x = step -> column  (left margin .. right),   y = log10(loss) -> row  (a log axis: losses fall
 * by orders of magnitude), the raw loss as a grey line and its exponential moving average (spanning
 * ~1/20 of the run) in black, grid lines and tick labels in the project's 5x7 bitmap font.
 *
 * References: processor draw.ts / bitmap_font.ts (the pixels and the font).
 * Leaves out: interactive plots, several runs in one picture.
 */
import { writeFileSync, renameSync } from "node:fs";
import { type RgbImage, rasterizeText, saveImage } from "@paligemma-ts/processor";

export interface LogRow {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  stepMs: number;
  /** Validation accuracy per task at this step, when it was measured. */
  val?: Record<string, number>;
}

/** CSV text of the log: step,loss,lr,grad_norm,step_ms,val_<task>... */
export function logCsv(rows: readonly LogRow[]): string {
  const tasks = [...new Set(rows.flatMap((r) => Object.keys(r.val ?? {})))];
  const head = ["step", "loss", "lr", "grad_norm", "step_ms", ...tasks.map((t) => `val_${t}`)].join(",");
  const lines = rows.map((r) => [r.step, r.loss.toPrecision(6), r.lr.toPrecision(4), r.gradNorm.toPrecision(4), r.stepMs.toFixed(1), ...tasks.map((t) => (r.val?.[t] === undefined ? "" : r.val[t].toFixed(4)))].join(","));
  return `${head}\n${lines.join("\n")}\n`;
}

/** Write `text` to `file` through a temporary name (never a torn file). */
export function writeAtomic(file: string, text: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.partial`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The loss curve as an RGB image (see the header). */
export function lossCurveImage(rows: readonly LogRow[], width = 640, height = 360, title = "training loss"): RgbImage {
  const img: RgbImage = { width, height, data: new Uint8Array(width * height * 3).fill(255) };
  const set = (x: number, y: number, rgb: readonly number[]) => {
    const [xi, yi] = [Math.round(x), Math.round(y)];
    if (xi < 0 || yi < 0 || xi >= width || yi >= height) return;
    const p = (yi * width + xi) * 3;
    img.data[p] = rgb[0];
    img.data[p + 1] = rgb[1];
    img.data[p + 2] = rgb[2];
  };
  const line = (x0: number, y0: number, x1: number, y1: number, rgb: readonly number[]) => {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= n; i++) set(x0 + ((x1 - x0) * i) / n, y0 + ((y1 - y0) * i) / n, rgb);
  };
  const text = (t: string, x: number, y: number) => rasterizeText(t, Math.round(x), Math.round(y), 1, (a, b) => set(a, b, [0, 0, 0]));
  const [left, right, top, bottom] = [48, 16, 22, 28];
  const finite = rows.filter((r) => r.loss > 0 && Number.isFinite(r.loss));
  text(title, left, 6);
  if (finite.length === 0) return img;
  const logs = finite.map((r) => Math.log10(r.loss));
  const [lo, hi] = [Math.floor(Math.min(...logs) * 4) / 4, Math.ceil(Math.max(...logs) * 4) / 4 + 1e-9];
  const maxStep = Math.max(...finite.map((r) => r.step));
  const px = (s: number) => left + ((width - left - right) * s) / Math.max(1, maxStep);
  const py = (l: number) => top + ((height - top - bottom) * (hi - l)) / (hi - lo);
  for (let t = Math.ceil(lo * 4) / 4; t <= hi; t += 0.25) {
    const y = py(t);
    line(left, y, width - right, y, [232, 232, 232]); // grid
    text(Number(10 ** t).toPrecision(2), 4, y - 3);
  }
  for (let k = 0; k <= 4; k++) {
    const x = px((maxStep * k) / 4);
    line(x, top, x, height - bottom, [232, 232, 232]);
    text(String(Math.round((maxStep * k) / 4)), x - 8, height - bottom + 6);
  }
  line(left, height - bottom, width - right, height - bottom, [0, 0, 0]); // axes
  line(left, top, left, height - bottom, [0, 0, 0]);
  text("step", width - right - 24, height - bottom + 16);
  const a = Math.min(1, 20 / finite.length); // the moving average spans ~1/20 of the run
  let ema = logs[0];
  let prev: [number, number, number] | null = null; // x, raw y, ema y
  finite.forEach((r, i) => {
    ema = (1 - a) * ema + a * logs[i];
    const cur: [number, number, number] = [px(r.step), py(logs[i]), py(ema)];
    if (prev) line(prev[0], prev[1], cur[0], cur[1], [190, 190, 190]);
    prev = cur;
  });
  ema = logs[0];
  let prevE: [number, number] | null = null;
  finite.forEach((r, i) => {
    ema = (1 - a) * ema + a * logs[i];
    const cur: [number, number] = [px(r.step), py(ema)];
    if (prevE) {
      line(prevE[0], prevE[1], cur[0], cur[1], [0, 0, 0]);
      line(prevE[0], prevE[1] + 1, cur[0], cur[1] + 1, [0, 0, 0]);
    }
    prevE = cur;
  });
  return img;
}

/** Write the CSV and the PNG next to each other (atomically). */
export async function writeLossCurve(rows: readonly LogRow[], csvFile: string, pngFile: string): Promise<void> {
  writeAtomic(csvFile, logCsv(rows));
  const tmp = `${pngFile}.${process.pid}.partial.png`;
  await saveImage(lossCurveImage(rows), tmp);
  renameSync(tmp, pngFile);
}
