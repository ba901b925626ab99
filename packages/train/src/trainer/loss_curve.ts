/**
 * loss_curve.ts — a run's training log as CSV, and its loss curve as a PNG drawn pixel by pixel.
 *
 * Teaches: the two artifacts a training run leaves for a person: a table (step, loss, lr, grad
 * norm, validation accuracy per task) to load anywhere, and a picture. The plot maps
 *   x = step -> column  (left margin .. right),   y = log10(loss) -> row  (a log axis: losses fall
 * by orders of magnitude), with the raw loss in grey and an exponential moving average (a = 0.05)
 * in black, tick labels in the project's 5x7 bitmap font.
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
export function lossCurveImage(rows: readonly LogRow[], width = 640, height = 360): RgbImage {
  const img: RgbImage = { width, height, data: new Uint8Array(width * height * 3).fill(255) };
  const set = (x: number, y: number, rgb: readonly number[]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const p = (Math.round(y) * width + Math.round(x)) * 3;
    img.data[p] = rgb[0];
    img.data[p + 1] = rgb[1];
    img.data[p + 2] = rgb[2];
  };
  const [left, right, top, bottom] = [56, 16, 16, 28];
  const finite = rows.filter((r) => r.loss > 0 && Number.isFinite(r.loss));
  if (finite.length === 0) return img;
  const logs = finite.map((r) => Math.log10(r.loss));
  const [lo, hi] = [Math.floor(Math.min(...logs) * 4) / 4, Math.ceil(Math.max(...logs) * 4) / 4 + 1e-9];
  const maxStep = Math.max(...finite.map((r) => r.step));
  const px = (s: number) => left + ((width - left - right) * s) / Math.max(1, maxStep);
  const py = (l: number) => top + ((height - top - bottom) * (hi - l)) / (hi - lo);
  for (let x = left; x < width - right; x++) set(x, height - bottom, [0, 0, 0]); // axes
  for (let y = top; y <= height - bottom; y++) set(left, y, [0, 0, 0]);
  for (let t = Math.ceil(lo * 4) / 4; t <= hi; t += 0.25) {
    const y = py(t);
    for (let x = left - 3; x < left; x++) set(x, y, [0, 0, 0]);
    rasterizeText(Number(10 ** t).toPrecision(2), 2, Math.round(y) - 3, 1, (x, yy) => set(x, yy, [0, 0, 0]));
  }
  rasterizeText(`step 0..${maxStep}`, left, height - bottom + 8, 1, (x, y) => set(x, y, [0, 0, 0]));
  let ema = logs[0];
  finite.forEach((r, i) => {
    set(px(r.step), py(logs[i]), [170, 170, 170]);
    ema = 0.95 * ema + 0.05 * logs[i];
    set(px(r.step), py(ema), [0, 0, 0]);
    set(px(r.step), py(ema) + 1, [0, 0, 0]);
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
