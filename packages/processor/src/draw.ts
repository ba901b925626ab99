/**
 * draw.ts — draw detection boxes, their labels and segmentation masks onto an RGB image (for
 * `paligemma --draw out.png`).
 *
 * Teaches: drawing is writing pixels. A box is four filled rectangles (its edges, `thickness` wide,
 * inside the box); a label is a filled rectangle in the box's color with text from the built-in
 * bitmap font (bitmap_font.ts) on top, placed above the box, or inside it when the box touches the
 * top edge. Each label gets its own color from a fixed palette, so "cat" boxes share a color.
 * Everything is clipped to the image; boxes come from parseDetections in pixels of this image.
 * A segmentation mask is a translucent fill in its label's color, blended per pixel before the
 * boxes are drawn on top:  out = round((1 - alpha) * pixel + alpha * color),  alpha 0.45.
 *
 * Thickness and text size scale with the image: thickness = max(1, round(min(W, H) / 200)),
 * text scale = max(1, round(min(W, H) / 320)).
 *
 * References: the PaliGemma demo's box rendering (huggingface.co/spaces/google/paligemma).
 *
 * Leaves out: anti-aliased edges, TrueType fonts.
 */
import type { RgbImage } from "./image_io.ts";
import type { Detection } from "./detection.ts";
import { GLYPH_HEIGHT, rasterizeText, textWidth } from "./bitmap_font.ts";

/** Distinct, saturated colors (Tableau 10). */
export const PALETTE: readonly (readonly [number, number, number])[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

/** Fill the rectangle [x0, x1) x [y0, y1), clipped to the image. */
function fillRect(img: RgbImage, x0: number, y0: number, x1: number, y1: number, rgb: readonly number[]): void {
  const xa = Math.max(0, Math.floor(x0));
  const ya = Math.max(0, Math.floor(y0));
  const xb = Math.min(img.width, Math.ceil(x1));
  const yb = Math.min(img.height, Math.ceil(y1));
  for (let y = ya; y < yb; y++) {
    for (let x = xa; x < xb; x++) {
      const p = (y * img.width + x) * 3;
      img.data[p] = rgb[0];
      img.data[p + 1] = rgb[1];
      img.data[p + 2] = rgb[2];
    }
  }
}

/** One palette color per distinct label, in order of first appearance. */
export function labelColors(labels: readonly string[]): Map<string, readonly number[]> {
  const colors = new Map<string, readonly number[]>();
  for (const label of labels) if (!colors.has(label)) colors.set(label, PALETTE[colors.size % PALETTE.length]);
  return colors;
}

/** A segmented object: a detection plus, when decoded, its H x W binary mask over the whole image. */
export interface MaskedDetection extends Detection {
  mask?: Uint8Array | null;
}

/** A copy of `image` with each mask filled translucently in its label's color, then every box and label drawn. */
export function drawSegmentations(image: RgbImage, objects: readonly MaskedDetection[], alpha = 0.45): RgbImage {
  const out: RgbImage = { width: image.width, height: image.height, data: image.data.slice() };
  const colors = labelColors(objects.map((o) => o.label));
  for (const { label, mask } of objects) {
    if (!mask) continue;
    const color = colors.get(label)!;
    for (let p = 0; p < mask.length; p++) {
      if (!mask[p]) continue;
      for (let c = 0; c < 3; c++) out.data[p * 3 + c] = Math.round((1 - alpha) * out.data[p * 3 + c] + alpha * color[c]);
    }
  }
  return drawDetections(out, objects);
}

/** A copy of `image` with every detection's box outline and label drawn. */
export function drawDetections(image: RgbImage, detections: readonly Detection[]): RgbImage {
  const out: RgbImage = { width: image.width, height: image.height, data: image.data.slice() };
  const short = Math.min(image.width, image.height);
  const t = Math.max(1, Math.round(short / 200));
  const scale = Math.max(1, Math.round(short / 320));
  const colors = labelColors(detections.map((d) => d.label));
  for (const { label, box } of detections) {
    const color = colors.get(label)!;
    const { xmin, ymin, xmax, ymax } = box;
    // Outline: top, bottom, left, right edges, inside the box.
    fillRect(out, xmin, ymin, xmax, ymin + t, color);
    fillRect(out, xmin, ymax - t, xmax, ymax, color);
    fillRect(out, xmin, ymin, xmin + t, ymax, color);
    fillRect(out, xmax - t, ymin, xmax, ymax, color);
    if (label === "") continue;
    // Label: a tag with 1-scale padding, above the box if there is room, else inside it.
    const pad = scale;
    const tagW = textWidth(label, scale) + 2 * pad;
    const tagH = GLYPH_HEIGHT * scale + 2 * pad;
    const tagX = Math.max(0, Math.min(xmin, image.width - tagW));
    const tagY = ymin - tagH >= 0 ? ymin - tagH : Math.max(0, ymin);
    fillRect(out, tagX, tagY, tagX + tagW, tagY + tagH, color);
    const luma = 0.299 * color[0] + 0.587 * color[1] + 0.114 * color[2];
    const ink = luma > 150 ? [0, 0, 0] : [255, 255, 255];
    rasterizeText(label, Math.round(tagX + pad), Math.round(tagY + pad), scale, (x, y) => {
      if (x >= 0 && y >= 0 && x < out.width && y < out.height) fillRect(out, x, y, x + 1, y + 1, ink);
    });
  }
  return out;
}
