/**
 * shape_scene.ts — lay out 1..maxObjects colored shapes that never overlap.
 *
 * Teaches: rejection sampling of a layout. Draw the object count n uniformly in 1..maxObjects;
 * then, up to 200 times, draw each object's shape, color and size uniformly and try up to 40
 * grid positions for it, keeping the first that satisfies, against every object placed so far:
 *
 *   cells apart:     a.x + a.size + gap <= b.x  or  b.x + b.size + gap <= a.x   (or the same in y)
 *   centers apart:   |(a.x + a.size/2) - (b.x + b.size/2)| >= minCenterGap
 *
 * The second rule makes "left to right" (the order of captions and detections) unambiguous: no
 * two objects share a column center. Positions: x, y = grid * U{0 .. floor((S - size) / grid)}.
 * Objects are returned sorted left to right by center x. The count n is drawn once, so crowded
 * (3-object) scenes are not quietly replaced by easier ones; only sizes and positions are redrawn.
 *
 * Each object keeps its detection box: the tight bounding box of its mask, in pixels
 * (xmax, ymax exclusive).
 *
 * Leaves out: overlap and occlusion, objects cut by the image border, rotation.
 */
import { PaliGemmaError, type Rng } from "@paligemma-ts/tensor";
import type { Box } from "@paligemma-ts/processor";
import { type Backdrop, sampleBackdrop } from "./backdrop.ts";
import { COLORS, COLOR_NAMES, type ColorName, type Rgb, jitterColor } from "./palette.ts";
import { pick, randInt } from "./random_choice.ts";
import { SHAPE_NAMES, type ShapeName, shapeMask } from "./shapes.ts";
import type { WorldConfig } from "./world_config.ts";

export interface SceneObject {
  shape: ShapeName;
  color: ColorName;
  /** Cell side in pixels. */
  size: number;
  /** Cell's top-left corner, in pixels (on the grid). */
  x: number;
  y: number;
  /** The object's color after jitter. */
  rgb: Rgb;
  /** Tight box of the lit pixels (xmax, ymax exclusive). */
  box: Box;
}

export interface ShapeScene extends Backdrop {
  kind: "shapes";
  imageSize: number;
  /** Sorted left to right by cell center x. */
  objects: SceneObject[];
}

/** No non-overlapping layout was found (the configuration asks for more than fits). */
export class SceneLayoutError extends PaliGemmaError {
  constructor(message: string) {
    super("E_SCENE_LAYOUT", message);
  }
}

const LAYOUT_ATTEMPTS = 200;
const POSITION_TRIES = 40;

function fits(a: SceneObject, b: SceneObject, c: WorldConfig): boolean {
  const apartX = a.x + a.size + c.gap <= b.x || b.x + b.size + c.gap <= a.x;
  const apartY = a.y + a.size + c.gap <= b.y || b.y + b.size + c.gap <= a.y;
  const centers = Math.abs(a.x + a.size / 2 - (b.x + b.size / 2)) >= c.minCenterGap;
  return (apartX || apartY) && centers;
}

export const centerX = (o: SceneObject) => o.x + o.size / 2;

export function sampleShapeScene(rng: Rng, c: WorldConfig): ShapeScene {
  const backdrop = sampleBackdrop(rng, c);
  const n = randInt(rng, 1, c.maxObjects);
  for (let attempt = 0; attempt < LAYOUT_ATTEMPTS; attempt++) {
    const placed: SceneObject[] = [];
    for (let k = 0; k < n; k++) {
      const shape = pick(rng, SHAPE_NAMES);
      const color = pick(rng, COLOR_NAMES);
      const size = pick(rng, c.objectSizes);
      const rgb = jitterColor(rng, COLORS[color], c.colorJitter);
      const steps = Math.floor((c.imageSize - size) / c.grid);
      const [bx0, by0, bx1, by1] = shapeMask(shape, size).bounds;
      for (let t = 0; t < POSITION_TRIES; t++) {
        const x = c.grid * randInt(rng, 0, steps);
        const y = c.grid * randInt(rng, 0, steps);
        const o: SceneObject = { shape, color, size, x, y, rgb, box: { xmin: x + bx0, ymin: y + by0, xmax: x + bx1, ymax: y + by1 } };
        if (placed.every((p) => fits(o, p, c))) {
          placed.push(o);
          break;
        }
      }
      if (placed.length !== k + 1) break;
    }
    if (placed.length === n) {
      placed.sort((a, b) => centerX(a) - centerX(b));
      return { kind: "shapes", imageSize: c.imageSize, ...backdrop, objects: placed };
    }
  }
  throw new SceneLayoutError(
    `sampleShapeScene: no layout of ${n} objects (sizes ${c.objectSizes.join("/")}, gap ${c.gap}, minCenterGap ${c.minCenterGap}) fits a ${c.imageSize}x${c.imageSize} image after ${LAYOUT_ATTEMPTS} attempts`,
  );
}
