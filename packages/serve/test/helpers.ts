/** helpers.ts — fixtures and small utilities shared by the serve tests. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ImageDecoder, ModelRunner, type RunnerOptions } from "../src/index.ts";

export const repoPath = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
export const TINY = repoPath("fixtures/paligemma-tiny");
export const TINY2 = repoPath("fixtures/paligemma2-tiny");
export const CHELSEA = repoPath("fixtures/images/chelsea.png");
export const ROCKET = repoPath("fixtures/images/rocket.jpg");

export function dataUrl(file: string): string {
  const mime = file.endsWith(".jpg") ? "image/jpeg" : "image/png";
  return `data:${mime};base64,${readFileSync(file).toString("base64")}`;
}

export function startTiny(options: Partial<RunnerOptions> = {}): Promise<ModelRunner> {
  return ModelRunner.start({ model: TINY, ...options });
}

/** pixel_values [3, S, S] of an image file for `runner`'s model. */
export async function pixelsOf(runner: ModelRunner, file: string): Promise<Float32Array> {
  const decoder = new ImageDecoder();
  try {
    return (await decoder.decode(readFileSync(file), runner.info.imageSize)).pixels;
  } finally {
    await decoder.close();
  }
}

/** Resolve when `check()` is true, polling every 5 ms (the test's own timeout bounds it). */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}
