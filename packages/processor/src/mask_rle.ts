/**
 * mask_rle.ts — a binary mask as run-length counts, COCO's uncompressed RLE.
 *
 * Teaches: a mask is mostly long runs of 0s and 1s, so store the run lengths. COCO's convention,
 * which pycocotools reads (`mask.frPyObjects(rle, h, w)` / `mask.decode`):
 *   { size: [height, width], counts: [n0, n1, n2, ...] }
 * counts alternate runs of 0 and 1, ALWAYS starting with 0s (n0 may be 0), over the pixels in
 * column-major (Fortran) order: down the first column, then the second, ... The counts add up to H * W.
 * Example: the 2x2 mask [[0, 1], [0, 1]] is counts [2, 2].
 * As JSON (the CLI's --json objects, the server's segmentations, batch lines) the object carries a
 * tag saying what it is: { format: "coco-rle", size, counts } (cocoRle).
 *
 * Reference: COCO data format, "Object Detection" / segmentation RLE (https://cocodataset.org/#format-data);
 * pycocotools `maskApi.c` (`rleEncode`).
 * Leaves out: COCO's compressed string form of the counts.
 */
import { ArgumentError } from "@paligemma-ts/tensor";

export interface MaskRle {
  /** [height, width] */
  size: [number, number];
  counts: number[];
}

/** MaskRle tagged for JSON output: `{"format": "coco-rle", "size": [h, w], "counts": [...]}`. */
export interface CocoRle extends MaskRle {
  format: "coco-rle";
}

/** A row-major H x W binary mask -> the tagged JSON form of its RLE (decodeMaskRle reads it back). */
export function cocoRle(mask: Uint8Array, width: number, height: number): CocoRle {
  const { size, counts } = encodeMaskRle(mask, width, height);
  return { format: "coco-rle", size, counts };
}

/** A row-major H x W binary mask -> COCO uncompressed RLE. */
export function encodeMaskRle(mask: Uint8Array, width: number, height: number): MaskRle {
  if (mask.length !== width * height) throw new ArgumentError(`encodeMaskRle: ${mask.length} values for a ${width}x${height} mask`);
  const counts: number[] = [];
  let current = 0; // runs start with 0s
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = mask[y * width + x] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        current = v;
        run = 0;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

/** COCO uncompressed RLE -> a row-major H x W binary mask. */
export function decodeMaskRle(rle: MaskRle): Uint8Array {
  const [height, width] = rle.size;
  const total = rle.counts.reduce((s, n) => s + n, 0);
  if (total !== width * height) throw new ArgumentError(`decodeMaskRle: counts add up to ${total}, expected ${height} x ${width} = ${width * height}`);
  const mask = new Uint8Array(width * height);
  let k = 0; // column-major pixel index
  rle.counts.forEach((n, i) => {
    for (let j = 0; j < n; j++, k++) if (i % 2 === 1) mask[(k % height) * width + Math.floor(k / height)] = 1;
  });
  return mask;
}
