/**
 * scene.ts — a scene is a shape scene or a text scene; its canonical key says when two are "the same".
 *
 * Teaches: to prove a test set is unseen you need a definition of "seen". Two scenes are the same
 * when they would get the same answers from the same pixels up to nuisance: the key keeps
 * everything a task can ask about and drops the background tint, color jitter and noise.
 *
 *   shapes:  "shapes|" + for each object left to right: "<shape> <color> <size>@<x>,<y>" joined by ";"
 *   text:    "text|<text>@<x>,<y>x<scale>"
 *
 * So a test scene whose key a training scene shares is excluded even if its noise differs (the
 * stricter choice). Splits (splits.ts) partition scenes by a hash of this key.
 *
 * Leaves out: near-duplicates (a shape moved by one grid step counts as a different scene).
 */
import type { ShapeScene } from "./shape_scene.ts";
import type { TextScene } from "./text_scene.ts";

export type Scene = ShapeScene | TextScene;
export type SceneKind = Scene["kind"];

export function sceneKey(scene: Scene): string {
  if (scene.kind === "text") return `text|${scene.text}@${scene.x},${scene.y}x${scene.scale}`;
  return "shapes|" + scene.objects.map((o) => `${o.shape} ${o.color} ${o.size}@${o.x},${o.y}`).join(";");
}
