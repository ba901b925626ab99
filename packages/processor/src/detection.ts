/**
 * detection.ts — parse PaliGemma's detection answers into labeled boxes in pixels.
 *
 * Teaches: PaliGemma answers "detect cat ; dog" with location tokens, four per object, y before x:
 *
 *   <loc0256><loc0128><loc0768><loc0896> cat ; <loc0100><loc0200><loc0300><loc0400> dog
 *    ymin     xmin     ymax     xmax
 *
 * Each value v is in 0..1023, a coordinate on a 1024-bin grid over the (squashed) model input. To
 * get pixels of the ORIGINAL image we follow the reference demo (big_vision's PaliGemma demo and
 * the Hugging Face Space), which divides by 1024 — not 1023 — and rounds (Python's round, half to even):
 *
 *   x = round(v / 1024 * width)        y = round(v / 1024 * height)
 *
 * so <loc0000> is the left/top edge and <loc1023> lands one bin short of the right/bottom edge.
 * Because the image was resized without keeping its aspect ratio, x and y scale independently.
 *
 * Model output can be malformed (fewer than four locs, stray text, values past 1023); such objects
 * are skipped and parsing continues with the next one, never throwing.
 *
 * References: big_vision/configs/proj/paligemma/README.md (detection); the `extract_objs` helper of
 * the PaliGemma demo (huggingface.co/spaces/google/paligemma, paligemma_parse.py).
 *
 * Leaves out: de-duplicating labels (the demo's `unique_labels`).
 */

export interface Box {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

export interface Detection {
  label: string;
  box: Box;
}

export interface ImageSize {
  width: number;
  height: number;
}

/** Number of location bins (<loc0000> .. <loc1023>). */
export const LOC_BINS = 1024;

/** Python's round(): to the nearest integer, ties to even. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A <loc> value on an axis of `size` pixels: round(v / 1024 * size). */
export function locToPixel(v: number, size: number): number {
  return roundHalfEven((v / LOC_BINS) * size);
}

/** Four loc values [ymin, xmin, ymax, xmax] -> a pixel box (min/max ordered even if the model swapped them). */
export function locsToBox(locs: readonly number[], size: ImageSize): Box {
  const [y1, x1, y2, x2] = locs;
  const ya = locToPixel(y1, size.height);
  const yb = locToPixel(y2, size.height);
  const xa = locToPixel(x1, size.width);
  const xb = locToPixel(x2, size.width);
  return { xmin: Math.min(xa, xb), ymin: Math.min(ya, yb), xmax: Math.max(xa, xb), ymax: Math.max(ya, yb) };
}

/**
 * One object: four locs (whitespace between them tolerated), then optionally 16 <seg> tokens
 * (segmentation, captured as a whole; their count is checked by the caller), then the label up to
 * ";" or the next token. Anything that does not fit is skipped by the global search.
 */
export const OBJECT_PATTERN = /<loc(\d{4})>\s*<loc(\d{4})>\s*<loc(\d{4})>\s*<loc(\d{4})>((?:\s*<seg\d{3}>)*)\s*([^;<]*)/g;

/** Parse "<loc..>x4 label ; ..." into detections in pixels of an image of `size`. Never throws on bad text. */
export function parseDetections(text: string, size: ImageSize): Detection[] {
  const out: Detection[] = [];
  for (const m of text.matchAll(OBJECT_PATTERN)) {
    const locs = [m[1], m[2], m[3], m[4]].map(Number);
    if (locs.some((v) => v >= LOC_BINS)) continue; // not a real location token
    out.push({ label: m[6].trim(), box: locsToBox(locs, size) });
  }
  return out;
}
