/**
 * segment_objects.ts — a "segment ..." answer to objects with binary masks: parse, decode, place.
 *
 * Teaches: the whole segmentation post-processing, three steps owned by three places:
 *   parse   "<loc>x4 <seg>x16 label ; ..." -> box, loc values, 16 codes    (processor: segmentation.ts)
 *   decode  all objects' codes in one batch -> [n, 64, 64] float masks     (MaskDecoder, here)
 *   place   each 64x64 mask resized into its box, > 0, on the full image   (processor: segmentation_mask.ts)
 * Without a decoder the objects still come back (label, box, codes) with mask null.
 *
 * Reference: big_vision/evaluators/proj/paligemma/transfers/segmentation.py.
 * Leaves out: merging overlapping masks into one label map.
 */
import { type Box, type ImageSize, type Segmentation, parseSegmentations, placeMask } from "@paligemma-ts/processor";
import type { MaskDecoder } from "./mask_decoder.ts";

export interface SegmentedObject extends Segmentation {
  /** H x W row-major binary mask over the whole image; null without a decoder. */
  mask: Uint8Array | null;
  /** Where big_vision put the 64x64 canvas (int(loc / 1023 * size)); null without a decoder or for an empty box. */
  maskBox: Box | null;
  /** Pixels in the mask. */
  area: number;
}

/** Parse `text`'s segmentations in pixels of `size` and, with a decoder, give each its mask. */
export async function segmentObjects(text: string, size: ImageSize, decoder: MaskDecoder | null): Promise<SegmentedObject[]> {
  const segs = parseSegmentations(text, size);
  if (!decoder || segs.length === 0) return segs.map((s) => ({ ...s, mask: null, maskBox: null, area: 0 }));
  const masks = (await decoder.decode(segs.map((s) => s.codes))).toFloat32(); // [n, 64, 64]
  return segs.map((s, i) => {
    const placed = placeMask(masks.subarray(i * 64 * 64, (i + 1) * 64 * 64), s.locs, size);
    return { ...s, mask: placed.mask, maskBox: placed.box, area: placed.area };
  });
}
