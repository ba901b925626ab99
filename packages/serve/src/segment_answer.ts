/**
 * segment_answer.ts — what the server and `batch` return for an answer's segmentations.
 *
 * Teaches: the same last mile as the CLI's `generate --json` (cli commands/objects.ts), as plain
 * data that crosses a thread and becomes JSON:
 *   "<loc>x4 <seg>x16 label ; ..."  -> [{label, box, codes, mask}]    box: pixels of the ORIGINAL image
 *   mask  the 16 codes decoded by the VQ-VAE mask decoder and placed in the box over the whole image
 *         (paligemma segmentObjects), as COCO uncompressed RLE (processor cocoRle):
 *         {"format": "coco-rle", "size": [height, width], "counts": [zeros, ones, ...]} (column-major);
 *         null when the server has no decoder (codes, label and box are there either way).
 * The model worker runs it after a row's last token (decoding is inference: it stays off the HTTP
 * thread), so only the RLE crosses to the main thread, not an H x W mask.
 *
 * Reference: big_vision/evaluators/proj/paligemma/transfers/segmentation.py; COCO's RLE.
 * Leaves out: masks of detect answers (they have no codes), PNG masks.
 */
import { type MaskDecoder, segmentObjects } from "@paligemma-ts/paligemma";
import { type Box, type CocoRle, type ImageSize, cocoRle } from "@paligemma-ts/processor";

export interface SegmentationJson {
  label: string;
  box: Box;
  /** The 16 VQ-VAE codes (<seg000>..<seg127>), row-major 4x4. */
  codes: number[];
  mask: CocoRle | null;
}

/** `text`'s segmentations in pixels of `size`, with masks when `decoder` is given. */
export async function segmentAnswer(text: string, size: ImageSize, decoder: MaskDecoder | null): Promise<SegmentationJson[]> {
  const objects = await segmentObjects(text, size, decoder);
  return objects.map(({ label, box, codes, mask }) => ({ label, box, codes, mask: mask ? cocoRle(mask, size.width, size.height) : null }));
}
