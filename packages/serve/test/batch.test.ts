/**
 * batch.test.ts — runBatch and the --images forms: a folder, a glob, a list file; one line per image
 * in batches of B equal to running each alone; unreadable images as error lines; resume skipping
 * what is done and cutting a torn last line; an existing output refused without --resume.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImageDecoder, type ModelRunner, completedPaths, expandGlob, listImages, runBatch } from "../src/index.ts";
import { CHELSEA, ROCKET, repoPath, startTiny } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "paligemma-batch-"));
const imgs = join(dir, "imgs");
let runner: ModelRunner;
let decoder: ImageDecoder;
beforeAll(async () => {
  mkdirSync(join(imgs, "sub"), { recursive: true });
  for (let i = 0; i < 5; i++) copyFileSync(i % 2 ? ROCKET : CHELSEA, join(imgs, `img${i}.${i % 2 ? "jpg" : "png"}`));
  copyFileSync(CHELSEA, join(imgs, "sub", "deep.png"));
  writeFileSync(join(imgs, "broken.png"), "definitely not a png");
  writeFileSync(join(imgs, "notes.txt"), "not an image, not listed");
  runner = await startTiny({ maxBatch: 3 });
  decoder = new ImageDecoder();
});
afterAll(async () => {
  await decoder.close();
  await runner.close();
  rmSync(dir, { recursive: true, force: true });
});

const lines = (file: string) => readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));

describe("--images", () => {
  it("a folder lists its image files, sorted, not recursing", () => {
    expect(listImages(imgs).map((p) => p.slice(imgs.length + 1))).toEqual(["broken.png", "img0.png", "img1.jpg", "img2.png", "img3.jpg", "img4.png"]);
  });
  it("a glob matches * ? [] within a segment and ** across segments", () => {
    expect(expandGlob(join(imgs, "img[0-2].*")).map((p) => p.slice(imgs.length + 1))).toEqual(["img0.png", "img1.jpg", "img2.png"]);
    expect(expandGlob(join(imgs, "**", "*.png")).map((p) => p.slice(imgs.length + 1))).toEqual(["broken.png", "img0.png", "img2.png", "img4.png", "sub/deep.png"]);
    expect(expandGlob(join(imgs, "img?.jpg"))).toHaveLength(2);
  });
  it("a list file names paths relative to itself, skipping blanks and comments", () => {
    const list = join(imgs, "list.txt");
    writeFileSync(list, "# two images\nimg0.png\n\n  sub/deep.png  \n");
    expect(listImages(list)).toEqual([join(imgs, "img0.png"), join(imgs, "sub/deep.png")]);
  });
  it("names what it could not use", () => {
    expect(() => listImages(join(dir, "nothing-here"))).toThrow(/not a folder, a list file/);
    expect(() => listImages(join(imgs, "*.webp"))).toThrow(/names no image files/);
  });
});

describe("runBatch", () => {
  const options = { maxNewTokens: 5, ignoreEos: true };

  it("writes one line per image in batches of B; each equals its request alone; a broken image is an error line", async () => {
    const out = join(dir, "all.jsonl");
    const images = listImages(imgs);
    const seen: number[] = [];
    const p = await runBatch({ runner, decoder, images, prompt: "caption en", out, batchSize: 3, options, onProgress: (q) => seen.push(q.done) });
    expect(p).toMatchObject({ done: 6, total: 6, errors: 1, skipped: 0 });
    expect(seen).toEqual([0, 3, 6]);
    const rows = lines(out);
    expect(rows.map((r) => r.path)).toEqual(images);
    expect(rows[0].error.message).toMatch(/cannot decode image .*broken\.png/);
    expect(rows.slice(1).every((r) => r.batch_size >= 2 && r.generated_ids.length === 5)).toBe(true);
    const alone = await runner.generate({ prompt: "caption en", pixels: (await decoder.decode(readFileSync(images[2]), runner.info.imageSize)).pixels, ...options });
    expect(rows[2].generated_ids).toEqual(alone.generatedIds);
    expect(rows[2].text).toBe(alone.text);
    expect(rows[2].image).toEqual({ width: 640, height: 427 }); // rocket.jpg: boxes are in its own pixels
    expect(rows[1].image).toEqual({ width: 451, height: 300 });
  });

  it("refuses to append to results without --resume", async () => {
    await expect(runBatch({ runner, decoder, images: [CHELSEA], prompt: "caption en", out: join(dir, "all.jsonl"), batchSize: 2, options })).rejects.toThrow(/--resume/);
  });

  it("resumes: skips every path already written, cuts a torn last line, runs the rest", async () => {
    const out = join(dir, "resume.jsonl");
    const images = listImages(imgs);
    await runBatch({ runner, decoder, images: images.slice(0, 2), prompt: "caption en", out, batchSize: 2, options });
    writeFileSync(out, readFileSync(out, "utf8") + '{"path": "torn', { flag: "w" }); // a write cut short
    expect(completedPaths(out)).toEqual(new Set(images.slice(0, 2)));
    expect(readFileSync(out, "utf8").endsWith("\n")).toBe(true); // the torn line is gone
    const p = await runBatch({ runner, decoder, images, prompt: "caption en", out, batchSize: 2, resume: true, options });
    expect(p).toMatchObject({ done: 4, skipped: 2 });
    expect(lines(out).map((r) => r.path)).toEqual(images);
  });

  it("a prompt the model cannot run fails before any image is read", async () => {
    await expect(runBatch({ runner, decoder, images: [repoPath("fixtures/images/coffee.png")], prompt: "caption en", out: join(dir, "x.jsonl"), batchSize: 1, options: { maxNewTokens: 100_000 } })).rejects.toThrow(/too long/);
  });
});
