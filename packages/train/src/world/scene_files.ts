/**
 * scene_files.ts — fresh test scenes written to disk as image files, with the questions and answers.
 *
 * Teaches: a checkpoint is judged on data it never saw. These scenes come from the TEST split
 * (splits.ts: disjoint from training by seed and by scene key), starting at scene index
 * seed * 1,000,000 like `paligemma eval`, so a new seed gives new scenes. Each one is a PNG a user
 * can open and pass to `paligemma generate --image`, and `scenes.json` lists, per file, the task,
 * the prompt to give and the answer the world's grammar says is right (and the true boxes for
 * detection, in pixels).
 *
 *   DIR/caption-0.png, DIR/detect-0.png, DIR/vqa-0.png, DIR/ocr-0.png, ...   (perTask per task)
 *   DIR/scenes.json  [{ file, task, prompt, answer, boxes? }]
 *
 * Files are written under a temp name and renamed (a crash never leaves half a PNG).
 *
 * Leaves out: other splits (training scenes on disk would only invite evaluating on them).
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Box, saveImage } from "@paligemma-ts/processor";
import { ArgumentError } from "@paligemma-ts/tensor";
import { evalExamples } from "../eval/evaluate.ts";
import { TASK_NAMES, type TaskName } from "./tasks.ts";
import type { WorldConfig } from "./world_config.ts";

export interface SceneFile {
  /** File name inside the folder. */
  file: string;
  task: TaskName;
  prompt: string;
  answer: string;
  /** detect: the true objects' boxes in pixels, in the answer's order. */
  boxes?: Box[];
}

/** Write `perTask` test scenes per task (of `tasks`, default all) into `dir`; returns what scenes.json holds. */
export async function writeTestScenes(dir: string, world: WorldConfig, options: { perTask: number; seed: number; tasks?: readonly TaskName[] }): Promise<SceneFile[]> {
  const { perTask, seed } = options;
  if (!Number.isInteger(perTask) || perTask < 1) throw new ArgumentError(`writeTestScenes: perTask must be an integer >= 1, got ${perTask}`);
  mkdirSync(dir, { recursive: true });
  const files: SceneFile[] = [];
  for (const task of options.tasks ?? TASK_NAMES) {
    const examples = evalExamples(task, world, perTask, seed * 1_000_000, "test");
    for (const [i, e] of examples.entries()) {
      const file = `${task}-${i}.png`;
      await saveImage(e.image, join(dir, file)); // temp + rename inside
      files.push({ file, task, prompt: e.prefix, answer: e.suffix, ...(e.detections ? { boxes: e.detections.map((d) => d.box) } : {}) });
    }
  }
  const manifest = join(dir, "scenes.json");
  writeFileSync(`${manifest}.tmp`, `${JSON.stringify(files, null, 1)}\n`);
  renameSync(`${manifest}.tmp`, manifest);
  return files;
}
