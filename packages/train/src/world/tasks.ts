/**
 * tasks.ts — questions and answers about a scene, in PaliGemma's own prompt language (prefix -> suffix).
 *
 * Teaches: PaliGemma is trained on task prefixes ("caption en", "detect ...", "answer en ...",
 * "ocr") and answers them with plain text or <loc> tokens. The grammar here, exactly
 * (objects are always listed left to right by cell center x, see shape_scene.ts):
 *
 *   caption   "caption en"                      -> object (" and " object)*
 *             object := "a " color " " shape           e.g. "a red circle and a blue square"
 *   detect    "detect " label                   -> match (" ; " match)*
 *             label  := color " " shape | shape        (50% each; always a label present in the scene)
 *             match  := <locY0><locX0><locY1><locX1> " " label, one per object the label matches
 *             e.g. "detect star" -> "<loc0128><loc0064><loc0384><loc0320> star ; <loc0512>... star"
 *   vqa       "answer en how many " plural "?"  -> count, "0".."3"  (75%: a shape in the scene,
 *                                                   25%: any shape, so "0" is a possible answer)
 *             "answer en what color is the " shape "?" -> color, asked only when exactly one
 *                                                   object has that shape (else a count question)
 *             (each kind 50%)
 *   ocr       "ocr"                             -> the rendered text, e.g. "4821" or "kite"
 *
 * Boxes use PaliGemma's 1024-bin convention as processor's parseDetections reads it back:
 *
 *   loc = min(1023, round(pixel / S * 1024))           pixel = round(loc / 1024 * S)
 *
 * For S < 512 the round trip is exact (|loc - 1024 p / S| <= 1/2 moves p by at most S / 2048 < 1/2
 * pixel), and at S = 64 every loc is a multiple of 16. Instance order: PaliGemma fixes none (its
 * detection data is not sorted), so we choose left to right, the caption's order: a deterministic
 * target is cheaper to learn, and the detection metric (metrics.ts) ignores order anyway.
 *
 * References: big_vision/configs/proj/paligemma/README.md (task prefixes, detection output);
 * processor's detection.ts.
 *
 * Leaves out: segmentation (<seg> codes), multi-class "detect a ; b", referring expressions.
 */
import { ArgumentError, type Rng } from "@paligemma-ts/tensor";
import { type Box, type Detection, LOC_BINS, roundHalfEven } from "@paligemma-ts/processor";
import { pick } from "./random_choice.ts";
import type { Scene } from "./scene.ts";
import type { SceneObject, ShapeScene } from "./shape_scene.ts";
import { SHAPE_NAMES, SHAPE_PLURALS } from "./shapes.ts";
import type { TextScene } from "./text_scene.ts";

export const TASK_NAMES = ["caption", "detect", "vqa", "ocr"] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** The scene kind each task asks about. */
export const TASK_SCENE: Readonly<Record<TaskName, Scene["kind"]>> = { caption: "shapes", detect: "shapes", vqa: "shapes", ocr: "text" };

export interface TaskExample {
  task: TaskName;
  prefix: string;
  suffix: string;
  /** detect only: the true objects (label, pixel box), in the suffix's order. */
  detections?: Detection[];
}

/** "a red circle" */
export function objectPhrase(o: SceneObject): string {
  return `a ${o.color} ${o.shape}`;
}

export function captionTask(scene: ShapeScene): TaskExample {
  return { task: "caption", prefix: "caption en", suffix: scene.objects.map(objectPhrase).join(" and ") };
}

/** A pixel coordinate on an axis of `size` pixels -> a loc bin: min(1023, round(v / size * 1024)). */
export function pixelToLoc(v: number, size: number): number {
  return Math.min(LOC_BINS - 1, roundHalfEven((v / size) * LOC_BINS));
}

/** "<loc0007>" */
export function locToken(v: number): string {
  return `<loc${String(v).padStart(4, "0")}>`;
}

/** A box -> "<locY0><locX0><locY1><locX1>" (y before x, as PaliGemma writes it). */
export function boxToLocs(box: Box, size: number): string {
  return [box.ymin, box.xmin, box.ymax, box.xmax].map((v) => locToken(pixelToLoc(v, size))).join("");
}

/** Does `label` ("red circle" or "circle") name object `o`? */
export function labelMatches(label: string, o: SceneObject): boolean {
  return label === o.shape || label === `${o.color} ${o.shape}`;
}

/** The objects `label` names, left to right, as detections. */
export function detectionTargets(scene: ShapeScene, label: string): Detection[] {
  return scene.objects.filter((o) => labelMatches(label, o)).map((o) => ({ label, box: { ...o.box } }));
}

/** Detections -> "<loc..>x4 label ; <loc..>x4 label". */
export function formatDetections(detections: readonly Detection[], size: number): string {
  return detections.map((d) => `${boxToLocs(d.box, size)} ${d.label}`).join(" ; ");
}

export function detectTask(rng: Rng, scene: ShapeScene): TaskExample {
  const o = pick(rng, scene.objects);
  const label = rng() < 0.5 ? `${o.color} ${o.shape}` : o.shape;
  const detections = detectionTargets(scene, label);
  return { task: "detect", prefix: `detect ${label}`, suffix: formatDetections(detections, scene.imageSize), detections };
}

export function vqaTask(rng: Rng, scene: ShapeScene): TaskExample {
  const objects = scene.objects;
  const count = (shape: string) => objects.filter((o) => o.shape === shape).length;
  const unique = SHAPE_NAMES.filter((s) => count(s) === 1);
  if (rng() < 0.5 && unique.length > 0) {
    const shape = pick(rng, unique);
    const color = objects.find((o) => o.shape === shape)!.color;
    return { task: "vqa", prefix: `answer en what color is the ${shape}?`, suffix: color };
  }
  const shape = rng() < 0.75 ? pick(rng, objects).shape : pick(rng, SHAPE_NAMES);
  return { task: "vqa", prefix: `answer en how many ${SHAPE_PLURALS[shape]}?`, suffix: String(count(shape)) };
}

export function ocrTask(scene: TextScene): TaskExample {
  return { task: "ocr", prefix: "ocr", suffix: scene.text };
}

/** One example of `task` about `scene` (whose kind must be TASK_SCENE[task]). */
export function makeTask(rng: Rng, task: TaskName, scene: Scene): TaskExample {
  if (task === "ocr") {
    if (scene.kind !== "text") throw new ArgumentError(`makeTask: task "ocr" needs a text scene, got scene.kind "${scene.kind}"`);
    return ocrTask(scene);
  }
  if (scene.kind !== "shapes") throw new ArgumentError(`makeTask: task "${task}" needs a shape scene, got scene.kind "${scene.kind}"`);
  if (task === "caption") return captionTask(scene);
  return task === "detect" ? detectTask(rng, scene) : vqaTask(rng, scene);
}
