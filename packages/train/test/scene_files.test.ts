import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadImage } from "@paligemma-ts/processor";
import { afterAll, describe, expect, it } from "vitest";
import { evalExamples, worldConfig, writeTestScenes } from "../src/index.ts";

const dir = mkdtempSync(join(tmpdir(), "scenes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("writeTestScenes", () => {
  it("writes each task's test scenes as PNGs (pixel-exact) with their prompts and answers, and no temp files", async () => {
    const world = worldConfig();
    const files = await writeTestScenes(dir, world, { perTask: 2, seed: 5 });
    expect(files.map((f) => f.file)).toEqual(["caption-0.png", "caption-1.png", "detect-0.png", "detect-1.png", "vqa-0.png", "vqa-1.png", "ocr-0.png", "ocr-1.png"]);
    expect(JSON.parse(readFileSync(join(dir, "scenes.json"), "utf8"))).toEqual(files);
    expect(readdirSync(dir).sort()).toEqual([...files.map((f) => f.file), "scenes.json"].sort());
    for (const f of files) {
      const e = evalExamples(f.task, world, 2, 5_000_000, "test")[Number(f.file.split("-")[1].split(".")[0])];
      expect([f.prompt, f.answer]).toEqual([e.prefix, e.suffix]);
      const img = await loadImage(join(dir, f.file));
      expect([img.width, img.height]).toEqual([64, 64]);
      expect(Buffer.from(img.data).equals(Buffer.from(e.image.data))).toBe(true);
      if (f.task === "detect") expect(f.boxes).toEqual(e.detections!.map((d) => d.box));
    }
    const other = await writeTestScenes(join(dir, "seed6"), world, { perTask: 2, seed: 6 });
    expect(other.map((f) => f.answer)).not.toEqual(files.map((f) => f.answer)); // a new seed, new scenes
    await expect(writeTestScenes(dir, world, { perTask: 0, seed: 0 })).rejects.toThrow(/perTask must be an integer >= 1/);
  });
});
