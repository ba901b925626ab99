/**
 * sampler.ts — draw one training example: a task from the mix, a scene for it, the prompt and the image.
 *
 * Teaches: the order of random decisions that makes an example reproducible from one seed:
 *
 *   task   ~ weights (default caption 25%, detect 30%, vqa 25%, ocr 20%)
 *   scene  ~ shape scene (caption / detect / vqa) or text scene (ocr), redrawn from the same
 *            generator until `accept(scene)` (how splits keep their scenes apart, splits.ts)
 *   prompt ~ the task's own choices (which label to detect, which question)   (tasks.ts)
 *   image  = renderScene(scene)                                                 (render.ts)
 *
 * The weights are relative (they need not sum to 1); a task with weight 0 never appears.
 *
 * Leaves out: curricula (weights changing over training) — pass different weights per step.
 */
import { ArgumentError, type Rng } from "@paligemma-ts/tensor";
import type { RgbImage } from "@paligemma-ts/processor";
import { pickWeighted } from "./random_choice.ts";
import { renderScene } from "./render.ts";
import type { Scene } from "./scene.ts";
import { sampleShapeScene } from "./shape_scene.ts";
import { TASK_NAMES, TASK_SCENE, type TaskExample, type TaskName, makeTask } from "./tasks.ts";
import { sampleTextScene } from "./text_scene.ts";
import type { WorldConfig } from "./world_config.ts";

export type TaskWeights = Readonly<Record<TaskName, number>>;

export const DEFAULT_TASK_WEIGHTS: TaskWeights = { caption: 0.25, detect: 0.3, vqa: 0.25, ocr: 0.2 };

export interface Example extends TaskExample {
  image: RgbImage;
  scene: Scene;
}

/** Give up after this many rejected scenes (a split keeps about 1 scene in 20, splits.ts). */
const MAX_SCENE_DRAWS = 10_000;

export function sampleScene(rng: Rng, kind: Scene["kind"], config: WorldConfig, accept: (scene: Scene) => boolean = () => true): Scene {
  for (let i = 0; i < MAX_SCENE_DRAWS; i++) {
    const scene = kind === "text" ? sampleTextScene(rng, config) : sampleShapeScene(rng, config);
    if (accept(scene)) return scene;
  }
  throw new ArgumentError(`sampleScene: accept() rejected ${MAX_SCENE_DRAWS} ${kind} scenes in a row; it must accept a fair share of scenes`);
}

/** The first two draws of an example: its task and its scene (cheap: nothing is rendered). */
export function sampleTaskScene(rng: Rng, config: WorldConfig, weights: TaskWeights = DEFAULT_TASK_WEIGHTS, accept?: (scene: Scene) => boolean): { task: TaskName; scene: Scene } {
  const task = TASK_NAMES[pickWeighted(rng, TASK_NAMES.map((t) => weights[t] ?? 0))];
  return { task, scene: sampleScene(rng, TASK_SCENE[task], config, accept) };
}

export function sampleExample(rng: Rng, config: WorldConfig, weights: TaskWeights = DEFAULT_TASK_WEIGHTS, accept?: (scene: Scene) => boolean): Example {
  const { task, scene } = sampleTaskScene(rng, config, weights, accept);
  const example = makeTask(rng, task, scene);
  return { ...example, image: renderScene(scene), scene };
}
