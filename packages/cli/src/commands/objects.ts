/**
 * commands/objects.ts — what `generate` makes of a detection or segmentation answer: objects with
 * boxes and (for "segment") masks, as JSON and as a drawing.
 *
 * Teaches: the last mile of the two structured tasks.
 *   detect   "<loc>x4 label ; ..."            -> { label, box }
 *   segment  "<loc>x4 <seg>x16 label ; ..."   -> { label, box, mask }: the 16 codes decoded by the
 *            VQ-VAE mask decoder and placed in the box on the whole image (paligemma segmentObjects)
 * Boxes are pixels of the (first) input image, {xmin, ymin, xmax, ymax} (detection.ts: round(loc /
 * 1024 * size)). A mask leaves as COCO uncompressed RLE over the whole image,
 *   { format: "coco-rle", size: [height, width], counts: [zeros, ones, zeros, ...] }   (column-major)
 * which pycocotools' `mask.frPyObjects(rle, h, w)` reads; mask is null when no decoder was found.
 * The decoder file: `--vae PATH`, else $PALIGEMMA_VAE, else <cache root>/vae-oid.npz
 * (defaultMaskDecoderPath): maskDecoderPath, which `serve` and `batch` use too (their model worker
 * loads the file; see findMaskDecoder). Without it segment answers still parse, and one stderr line
 * says masks need the decoder.
 *
 * Leaves out: PNG mask files (RLE keeps --json to one object on stdout), polygons.
 */
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { MaskDecoder, SegmentedObject } from "@paligemma-ts/paligemma";
import { type Box, type CocoRle, type MaskedDetection, type RgbImage, cocoRle, drawSegmentations, parseDetections, saveImage } from "@paligemma-ts/processor";
import { requireInputFile } from "../input_paths.ts";
import type { CliIO } from "../main.ts";

export interface ObjectJson {
  label: string;
  box: Box;
  /** Segmentation only: COCO RLE of the mask over the whole image, or null without the decoder. */
  mask?: CocoRle | null;
}

export interface AnswerObjects {
  objects: MaskedDetection[];
  json: ObjectJson[];
  /** How many objects carry <seg> codes. */
  segmented: number;
}

/** Where the mask decoder is and whether it is there; `explicit` when the user named it. */
export async function maskDecoderPath(vae: string | undefined): Promise<{ path: string; found: boolean; explicit: boolean }> {
  const { defaultMaskDecoderPath } = await import("@paligemma-ts/paligemma");
  const path = vae ?? defaultMaskDecoderPath();
  return { path, found: existsSync(path), explicit: vae !== undefined };
}

/**
 * The decoder file to load, or null after one stderr line saying that masks need it (`note: false`
 * keeps quiet). A `--vae` the user named must exist (a usage error otherwise).
 */
export async function findMaskDecoder(vae: string | undefined, io: CliIO, note = true): Promise<string | null> {
  if (vae !== undefined) requireInputFile(vae, "--vae");
  const found = await maskDecoderPath(vae);
  if (found.found) return found.path;
  if (note) io.stderr.write(`paligemma: segmentation masks need the VQ-VAE decoder (big_vision's vae-oid.npz): pass --vae PATH or put it at ${found.path}; boxes and labels only\n`);
  return null;
}

/** Objects of `text` in pixels of `image`; segmentations get masks when `decoder` is given. */
export async function answerObjects(text: string, image: RgbImage, decoder: MaskDecoder | null): Promise<AnswerObjects> {
  const { segmentObjects } = await import("@paligemma-ts/paligemma");
  const size = { width: image.width, height: image.height };
  const segs: SegmentedObject[] = await segmentObjects(text, size, decoder);
  if (segs.length === 0) {
    const dets = parseDetections(text, size);
    return { objects: dets, json: dets.map(({ label, box }) => ({ label, box })), segmented: 0 };
  }
  const json = segs.map(({ label, box, mask }): ObjectJson => ({ label, box, mask: mask ? cocoRle(mask, image.width, image.height) : null }));
  return { objects: segs, json, segmented: segs.length };
}

/** Draw masks (translucent) and boxes on the photo, save a PNG, say what was drawn on stderr. */
export async function drawObjects(image: RgbImage, found: AnswerObjects, file: string, io: CliIO): Promise<void> {
  mkdirSync(dirname(resolve(file)), { recursive: true });
  await saveImage(drawSegmentations(image, found.objects), file);
  const n = found.objects.length;
  const shown = found.objects.slice(0, 5).map(({ label, box: b }) => `${JSON.stringify(label.trim())} [${b.xmin}, ${b.ymin}, ${b.xmax}, ${b.ymax}]`);
  if (n > shown.length) shown.push(`... ${n - shown.length} more`);
  const masks = found.objects.filter((o) => o.mask).length;
  const what = n === 0 ? "no <loc> boxes found in the answer" : `${n} box${n === 1 ? "" : "es"}${masks ? ` and ${masks} mask${masks === 1 ? "" : "s"}` : ""}: ${shown.join(", ")}`;
  io.stderr.write(`paligemma: drew ${what} (x0, y0, x1, y1 in pixels of the ${image.width}x${image.height} image) -> ${file}\n`);
}
