/**
 * @paligemma-ts/processor — everything between files and the model: images -> pixel_values,
 * text -> input ids, and the model's answers -> boxes and mask codes.
 *
 *   image_io.ts          loadImage / saveImage (PNG, JPEG, BMP, GIF, TIFF -> 8-bit RGB)
 *   image_limits.ts      the pixel limit (decompression bombs), ImageTooLargeError
 *   png_*.ts, gif_decoder.ts, tiff_*.ts, bmp_decoder.ts   the decoders, PIL-exact conversions
 *   zlib_bounded.ts      inflate no further than the header allows
 *   jpeg_*.ts            a JPEG decoder bit-exact with libjpeg-turbo (what PIL uses), incl. arithmetic
 *   cmyk_to_rgb.ts       PIL's CMYK -> RGB
 *   exif_orientation.ts  opt-in EXIF rotation
 *   resize_bicubic.ts    PIL's bicubic resize (antialiased, fixed-point)
 *   image_processor.ts   resize, /255, (x - 0.5) / 0.5, CHW -> [B, 3, S, S]
 *   tokenizer.ts         SentencePiece (sentencepiece-js) + <image>
 *   sentencepiece_model_writer.ts  write a tokenizer.model (the reader's inverse) for a custom vocabulary
 *   prompt.ts            <image> x N, <bos>, prefix + "\n", suffix <eos>; batching and padding
 *   detection.ts         <loc> x 4 label -> boxes in pixels (the /1024 convention)
 *   segmentation.ts      + 16 <seg> codes
 *   segmentation_mask.ts a decoded 64x64 mask resized into its box on the full image (big_vision)
 *   resize_float.ts      PIL's BILINEAR resize of a float image (resample_weights.ts: PIL's filter taps)
 *   mask_rle.ts          binary masks as COCO run-length counts
 *   draw.ts              boxes, labels and translucent masks onto an image
 *   bitmap_font.ts       the 5x7 pixel font draw.ts (and synthetic OCR scenes) write text with
 */
export { type RgbImage, type LoadImageOptions, ImageDecodeError, ImageEncodeError, ImageFormatError, loadImage, saveImage, imageMimeForPath, encodeImage, sniffImageFormat } from "./image_io.ts";
export { MAX_IMAGE_PIXELS, ImageTooLargeError, checkPixelLimit, pixelLimit, type PixelLimit, type LargeImagePolicy } from "./image_limits.ts";
export { readExifOrientation, applyExifOrientation } from "./exif_orientation.ts";
export { resizeBicubic, bicubicFilter, precomputeCoeffs, type ResampleCoeffs } from "./resize_bicubic.ts";
export { resampleWeights, bilinearFilter, type ResampleWeights } from "./resample_weights.ts";
export { resizeFloatBilinear } from "./resize_float.ts";
export { preprocessImages, normalizeToChw, IMAGE_MEAN, IMAGE_STD, RESCALE_FACTOR } from "./image_processor.ts";
export { PaliGemmaTokenizer, TokenizerLoadError, IMAGE_TOKEN, type DecodeOptions } from "./tokenizer.ts";
export { type PieceType } from "./sentencepiece_model.ts";
export { writeSentencePieceModel, type SentencePieceEntry, type SentencePieceModelSpec } from "./sentencepiece_model_writer.ts";
export {
  buildPrompt,
  buildPaliGemmaInputs,
  type PromptTokenizer,
  type PromptOptions,
  type PromptIds,
  type BatchOptions,
  type BatchIds,
} from "./prompt.ts";
export { parseDetections, locToPixel, locsToBox, roundHalfEven, LOC_BINS, type Box, type Detection, type ImageSize } from "./detection.ts";
export { parseSegmentations, SEG_TOKENS, SEG_CODEBOOK, type Segmentation } from "./segmentation.ts";
export { MASK_SIZE, maskBox, placeMask, type PlacedMask } from "./segmentation_mask.ts";
export { encodeMaskRle, decodeMaskRle, cocoRle, type MaskRle, type CocoRle } from "./mask_rle.ts";
export { drawDetections, drawSegmentations, labelColors, PALETTE, type MaskedDetection } from "./draw.ts";
export { rasterizeText, textWidth, glyph, GLYPH_WIDTH, GLYPH_HEIGHT, GLYPH_ADVANCE } from "./bitmap_font.ts";
