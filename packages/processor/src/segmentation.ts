/**
 * segmentation.ts — parse PaliGemma's segmentation answers: a box plus 16 mask codes per object.
 *
 * Teaches: "segment cat" is answered with the object's box (four <loc> tokens, y before x, see
 * detection.ts for the /1024 pixel convention) followed by sixteen <segNNN> tokens, NNN in 0..127:
 *
 *   <loc0256><loc0128><loc0768><loc0896><seg012><seg101>...<seg077> cat ; ...
 *
 * The 16 codes are the 4x4 latent grid of a VQ-VAE (a 128-entry codebook); its decoder turns them
 * into a 64x64 mask that is then resized into the box. That decoder is a model with its own weights
 * (@paligemma-ts/paligemma `MaskDecoder`), so this file returns the indices, in row-major order of
 * the 4x4 grid, and the raw loc values the mask is placed with (segmentation_mask.ts).
 *
 * Objects with fewer or more than 16 seg tokens, or out-of-range values, are skipped without throwing.
 *
 * References: big_vision/configs/proj/paligemma/README.md (segmentation); the PaliGemma demo's
 * `extract_objs` / `_get_reconstruct_masks` (huggingface.co/spaces/google/paligemma); A. van den
 * Oord et al., "Neural Discrete Representation Learning" (VQ-VAE), 2017.
 *
 * Leaves out: the VQ-VAE decoder (paligemma's segmentation/ folder) and the placement (segmentation_mask.ts).
 */
import { type Box, type ImageSize, LOC_BINS, OBJECT_PATTERN, locsToBox } from "./detection.ts";

/** Mask codes per object (a 4x4 grid) and the codebook size. */
export const SEG_TOKENS = 16;
export const SEG_CODEBOOK = 128;

export interface Segmentation {
  label: string;
  box: Box;
  /** The four loc values as generated, [ymin, xmin, ymax, xmax] in 0..1023 (placeMask's input). */
  locs: number[];
  /** 16 VQ-VAE codebook indices (0..127), row-major over the 4x4 grid. */
  codes: number[];
}

/** Parse "<loc..>x4 <seg..>x16 label ; ..." in pixels of an image of `size`. Never throws on bad text. */
export function parseSegmentations(text: string, size: ImageSize): Segmentation[] {
  const out: Segmentation[] = [];
  for (const m of text.matchAll(OBJECT_PATTERN)) {
    const locs = [m[1], m[2], m[3], m[4]].map(Number);
    const codes = [...m[5].matchAll(/<seg(\d{3})>/g)].map((s) => Number(s[1]));
    if (locs.some((v) => v >= LOC_BINS) || codes.length !== SEG_TOKENS || codes.some((c) => c >= SEG_CODEBOOK)) continue;
    out.push({ label: m[6].trim(), box: locsToBox(locs, size), locs, codes });
  }
  return out;
}
