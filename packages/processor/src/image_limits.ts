/**
 * image_limits.ts — the pixel limit: refuse a decompression bomb before allocating for it.
 *
 * Teaches: an image file states its size in its header, and a decoder allocates for that size. A
 * 69-byte PNG can declare 30000 x 30000 pixels (2.7 GB of RGB), a 1.5 KB JPEG 65535 x 65535. So
 * every decoder here reads the declared width and height first (PNG IHDR, JPEG SOFn, GIF logical
 * screen and each frame, BMP info header, TIFF IFD0) and checks
 *
 *   width * height <= maxPixels          (default MAX_IMAGE_PIXELS = 89,478,485, PIL's value)
 *
 * before it allocates anything, and compressed data may never decompress to more than the header
 * allows (a zlib bomb stops at that bound, see zlib_bounded.ts).
 *
 * Policy (PIL warns above Image.MAX_IMAGE_PIXELS and refuses above twice it):
 *   - default ("error"): refuse above maxPixels with ImageTooLargeError, which names the file, the
 *     declared size and the limit;
 *   - `largeImages: "warn"` is PIL's behaviour: above maxPixels a DecompressionBombWarning process
 *     warning, above 2 * maxPixels the refusal;
 *   - `maxPixels` raises (or lowers) the limit explicitly; `Infinity` turns it off.
 * Memory: decoding needs 4 to 11 bytes per pixel (the RGB output plus the decoder's own planes;
 * measured at 8000 x 8000: gray PNG 4.4, RGB JPEG 7.2 to 8.6), so up to about 1 GB at the default.
 *
 * Reference: Pillow Image._decompression_bomb_check and Image.MAX_IMAGE_PIXELS
 * (https://pillow.readthedocs.io/en/stable/reference/Image.html#PIL.Image.open).
 * Leaves out: limits on the file size itself (that is the caller's: a server limits request bodies).
 */
import { ArgumentError } from "@paligemma-ts/tensor";
import { ImageDecodeError } from "./image_errors.ts";

/** PIL's Image.MAX_IMAGE_PIXELS: int(1024 * 1024 * 1024 // 4 // 3). */
export const MAX_IMAGE_PIXELS = 89_478_485;

/** What loadImage does with an image above maxPixels: refuse it, or (PIL's way) warn up to twice the limit. */
export type LargeImagePolicy = "error" | "warn";

/** The limit a decoder checks, with the file name its error reports. */
export interface PixelLimit {
  file: string;
  maxPixels: number;
  largeImages: LargeImagePolicy;
}

/** The declared size is over the limit: nothing was allocated for it. */
export class ImageTooLargeError extends ImageDecodeError {
  readonly width: number;
  readonly height: number;
  readonly limit: number;
  constructor(file: string, format: string, width: number, height: number, limit: number) {
    super(
      file,
      `${format} header declares ${width} x ${height} = ${width * height} pixels, more than the limit of ${limit} ` +
        `(a decompression bomb?); pass { maxPixels } to loadImage to raise the limit`,
      { code: "E_IMAGE_TOO_LARGE" },
    );
    this.width = width;
    this.height = height;
    this.limit = limit;
  }
}

/** A PixelLimit from loadImage's options, checking the options themselves. */
export function pixelLimit(file: string, options: { maxPixels?: number; largeImages?: LargeImagePolicy } = {}): PixelLimit {
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  if (typeof maxPixels !== "number" || Number.isNaN(maxPixels) || maxPixels < 1) {
    throw new ArgumentError(`loadImage: maxPixels must be a number >= 1 (or Infinity for no limit), got ${maxPixels}`);
  }
  const largeImages = options.largeImages ?? "error";
  if (largeImages !== "error" && largeImages !== "warn") throw new ArgumentError(`loadImage: largeImages must be "error" or "warn", got ${String(largeImages)}`);
  return { file, maxPixels, largeImages };
}

/** Throw ImageTooLargeError (or warn, see the header) when width x height is over the limit. */
export function checkPixelLimit(limit: PixelLimit, format: string, width: number, height: number): void {
  const pixels = width * height;
  if (pixels <= limit.maxPixels) return;
  if (limit.largeImages === "warn" && pixels <= 2 * limit.maxPixels) {
    process.emitWarning(`${limit.file}: ${format} image of ${width} x ${height} = ${pixels} pixels exceeds the limit of ${limit.maxPixels} (a decompression bomb?)`, "DecompressionBombWarning");
    return;
  }
  const cap = limit.largeImages === "warn" ? 2 * limit.maxPixels : limit.maxPixels;
  throw new ImageTooLargeError(limit.file, format, width, height, cap);
}
