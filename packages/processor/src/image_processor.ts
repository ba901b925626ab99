/**
 * image_processor.ts — images -> `pixel_values`, the float32 [B, 3, S, S] the SigLIP tower reads.
 *
 * Teaches: Hugging Face's SiglipImageProcessor, as PaliGemma uses it, is four steps:
 *
 *   1. resize to S x S with PIL's bicubic filter (aspect ratio NOT kept: the image is squashed);
 *   2. rescale:   x = pixel / 255                        (0..255 -> 0..1)
 *   3. normalize: x = (x - mean) / std, mean = std = 0.5  (0..1 -> -1..1)
 *   4. HWC -> CHW and stack the batch: [B, 3, S, S]
 *
 * S comes from the model's config (`vision_config.image_size`: 224, 448 or 896 for the released
 * checkpoints). Step 1 is done in 8-bit like PIL, so the values match Python to a rounding level.
 *
 * References: transformers/models/siglip/image_processing_siglip.py; transformers/image_transforms.py
 * (`resize`, `rescale`, `normalize`); PaliGemma's preprocessor_config.json (image_mean/std 0.5).
 *
 * Leaves out: center cropping and padding (PaliGemma uses neither), other mean/std presets.
 */
import { ArgumentError, Tensor } from "@paligemma-ts/tensor";
import type { RgbImage } from "./image_io.ts";
import { resizeBicubic } from "./resize_bicubic.ts";

/** PaliGemma's image_mean and image_std (per channel). */
export const IMAGE_MEAN = [0.5, 0.5, 0.5] as const;
export const IMAGE_STD = [0.5, 0.5, 0.5] as const;
/** rescale_factor: 1/255. */
export const RESCALE_FACTOR = 1 / 255;

/**
 * Write one image's normalized CHW values into `out` at `offset`: the image must already be S x S.
 * out[c, y, x] = (pixel[y, x, c] / 255 - mean[c]) / std[c]
 */
export function normalizeToChw(image: RgbImage, out: Float32Array, offset = 0): void {
  const plane = image.width * image.height;
  for (let c = 0; c < 3; c++) {
    const mean = IMAGE_MEAN[c];
    const std = IMAGE_STD[c];
    const base = offset + c * plane; // channel c's [S, S] plane
    for (let i = 0; i < plane; i++) out[base + i] = (image.data[i * 3 + c] * RESCALE_FACTOR - mean) / std;
  }
}

/** Resize, rescale, normalize and stack: images -> float32 pixel_values [B, 3, size, size]. */
export function preprocessImages(images: RgbImage[], size: number): Tensor {
  if (!Number.isInteger(size) || size < 1) throw new ArgumentError(`preprocessImages: size must be a positive integer, got ${size}`);
  if (images.length === 0) throw new ArgumentError("preprocessImages: no images given");
  const per = 3 * size * size;
  const out = new Float32Array(images.length * per);
  images.forEach((img, b) => {
    if (!(img.width > 0 && img.height > 0) || img.data.length !== img.width * img.height * 3) {
      throw new ArgumentError(`preprocessImages: image ${b} is ${img.width}x${img.height} with ${img.data.length} bytes, expected RGB`);
    }
    normalizeToChw(resizeBicubic(img, size, size), out, b * per); // [3, size, size]
  });
  return new Tensor("float32", [images.length, 3, size, size], out); // [B, 3, S, S]
}
