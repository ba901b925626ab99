/**
 * image_io.ts — read any common image file into 8-bit RGB, and write one back.
 *
 * Teaches: what PIL's `Image.open(path).convert("RGB")` does before a vision model sees an image:
 *
 *   - the format is recognized by its first bytes (magic numbers), not by the file extension:
 *       PNG  89 50 4E 47      JPEG FF D8 FF      GIF "GIF87a"/"GIF89a"
 *       BMP  "BM"             TIFF "II*\0" (little endian) or "MM\0*" (big endian)
 *   - grayscale, palette and RGBA pixels all become R, G, B; alpha is dropped, not composited over
 *     a background (PIL's RGBA -> RGB conversion simply discards the A channel);
 *   - for an animated GIF only the first frame is used;
 *   - EXIF orientation is NOT applied (PIL's `open` does not, and neither does the reference
 *     processor), so a phone photo may reach the model sideways exactly as in Python. Pass
 *     `applyExifOrientation: true` to rotate it upright (`ImageOps.exif_transpose`).
 *
 * Decoders: PNG (png_decoder.ts), JPEG (jpeg_*.ts: baseline, progressive and arithmetic-coded,
 * gray, YCbCr, RGB, CMYK and YCCK, bit-exact with libjpeg-turbo), GIF (gif_decoder.ts) and TIFF
 * (tiff_decoder.ts) are this package's own and follow PIL 9.4's conversions (test/pil/ holds the
 * generated files and PIL's pixels); BMP goes through jimp's codec (bmp_decoder.ts), which also
 * encodes `saveImage`'s output.
 *
 * Limits (image_limits.ts): every decoder checks the declared width x height against `maxPixels`
 * (default PIL's 89,478,485) before allocating, and no compressed data may expand past what the
 * header allows. A path is read only if it is a regular file (a FIFO would block forever).
 *
 * References: https://pillow.readthedocs.io/en/stable/reference/Image.html#PIL.Image.Image.convert,
 * https://en.wikipedia.org/wiki/List_of_file_signatures.
 *
 * Leaves out: WebP, ICC color management (PIL does none either without ImageCms), later GIF frames
 * and TIFF pages, JPEG-in-TIFF and CCITT TIFF (refused as unsupported), 12-bit and lossless JPEG.
 */
import { rename, rm, writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { errorReason, readRegularFileAsync } from "@paligemma-ts/tensor";
import { decodeBmp, jimpCodec } from "./bmp_decoder.ts";
import { applyExifOrientation, readExifOrientation } from "./exif_orientation.ts";
import { decodeGif } from "./gif_decoder.ts";
import { ImageDecodeError, ImageEncodeError, ImageFormatError } from "./image_errors.ts";
import { type LargeImagePolicy, type PixelLimit, ImageTooLargeError, pixelLimit } from "./image_limits.ts";
import { jpegToRgb } from "./jpeg_color.ts";
import { decodeJpegCoefficients } from "./jpeg_decoder.ts";
import { decodePng } from "./png_decoder.ts";
import { decodeTiff } from "./tiff_decoder.ts";

export { ImageDecodeError, ImageEncodeError, ImageFormatError };

/** An 8-bit RGB image: `data` is R, G, B interleaved, row-major, `width * height * 3` bytes. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface LoadImageOptions {
  /** Rotate/flip by the EXIF Orientation tag (default false, like PIL and the reference processor). */
  applyExifOrientation?: boolean;
  /** Largest width x height accepted (default MAX_IMAGE_PIXELS = 89,478,485); Infinity = no limit. */
  maxPixels?: number;
  /** "error" (default): refuse above maxPixels. "warn": PIL's way, warn above it, refuse above twice it. */
  largeImages?: LargeImagePolicy;
}

type Mime = "image/png" | "image/jpeg" | "image/gif" | "image/bmp" | "image/tiff";

/** Recognize the container by its magic number. */
export function sniffImageFormat(bytes: Uint8Array): Mime | undefined {
  const b = (i: number) => bytes[i];
  if (bytes.length >= 8 && b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47) return "image/png";
  if (bytes.length >= 3 && b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return "image/jpeg";
  if (bytes.length >= 6 && String.fromCharCode(...bytes.subarray(0, 6)).match(/^GIF8[79]a$/)) return "image/gif";
  if (bytes.length >= 14 && b(0) === 0x42 && b(1) === 0x4d) return "image/bmp";
  if (bytes.length >= 8 && ((b(0) === 0x49 && b(1) === 0x49 && b(2) === 42 && b(3) === 0) || (b(0) === 0x4d && b(1) === 0x4d && b(2) === 0 && b(3) === 42))) {
    return "image/tiff";
  }
  return undefined;
}

/**
 * Decode an image file or its bytes to RGB. Throws ImageDecodeError naming the file when it cannot be
 * read, is not PNG/JPEG/BMP/GIF/TIFF, is corrupt or truncated, or uses an unsupported variant;
 * ImageTooLargeError (an ImageDecodeError) when its declared size is over the pixel limit.
 */
export async function loadImage(source: string | Uint8Array, options: LoadImageOptions = {}): Promise<RgbImage> {
  const name = typeof source === "string" ? source : "<buffer>";
  const limit = pixelLimit(name, options);
  let bytes: Buffer;
  try {
    bytes = typeof source === "string" ? await readRegularFileAsync(source) : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  } catch (e) {
    throw new ImageDecodeError(name, errorReason(e), { cause: e });
  }
  const mime = sniffImageFormat(bytes);
  if (!mime) {
    const head = Array.from(bytes.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" ");
    throw new ImageDecodeError(name, `not a PNG, JPEG, BMP, GIF or TIFF file (${bytes.length} bytes, starts with [${head}])`);
  }
  const image = await decode(bytes, mime, limit);
  return options.applyExifOrientation ? applyExifOrientation(image, readExifOrientation(bytes)) : image;
}

/** Dispatch to the format's decoder; its ImageFormatError becomes an ImageDecodeError naming the file. */
async function decode(bytes: Buffer, mime: Mime, limit: PixelLimit): Promise<RgbImage> {
  const kind = mime.slice(6).toUpperCase();
  try {
    if (mime === "image/png") return await decodePng(bytes, limit);
    if (mime === "image/jpeg") return jpegToRgb(decodeJpegCoefficients(bytes, limit));
    if (mime === "image/gif") return decodeGif(bytes, limit);
    if (mime === "image/tiff") return await decodeTiff(bytes, limit);
    return await decodeBmp(bytes, limit);
  } catch (e) {
    if (e instanceof ImageTooLargeError) throw e; // already names the file
    if (e instanceof ImageFormatError) {
      const why = e.unsupported ? `unsupported ${kind}: ${e.message}` : `corrupt or truncated ${kind} (${e.message})`;
      throw new ImageDecodeError(limit.file, why, { cause: e });
    }
    // Not a decoder's own error (e.g. memory for an image within the limit): still typed, cause kept.
    throw new ImageDecodeError(limit.file, `${kind} decoding failed: ${(e as Error).message}`, { cause: e });
  }
}

const EXTENSION_MIME: Record<string, Mime> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".bmp": "image/bmp",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
};

/** Encode an RGB image to bytes of the given format (JPEG at quality 95). */
export async function encodeImage(image: RgbImage, mime: Mime): Promise<Uint8Array> {
  const n = image.width * image.height;
  const rgba = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = image.data[i * 3];
    rgba[i * 4 + 1] = image.data[i * 3 + 1];
    rgba[i * 4 + 2] = image.data[i * 3 + 2];
    rgba[i * 4 + 3] = 255;
  }
  // PNG colorType 2 = RGB: the file gets no alpha channel.
  const opts = mime === "image/jpeg" ? { quality: 95 } : mime === "image/png" ? { colorType: 2 } : undefined;
  return new Uint8Array(await jimpCodec(mime).encode!({ width: image.width, height: image.height, data: rgba }, opts));
}

/** Write an RGB image atomically (temp file + rename); the format follows the extension (.png, .jpg/.jpeg, .bmp, .gif, .tif/.tiff). */
export async function saveImage(image: RgbImage, path: string): Promise<void> {
  const mime = imageMimeForPath(path);
  if (image.data.length !== image.width * image.height * 3) {
    throw new ImageEncodeError(path, `image data has ${image.data.length} bytes, expected ${image.width}x${image.height}x3`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await encodeImage(image, mime);
  } catch (e) {
    throw new ImageEncodeError(path, (e as Error).message, { cause: e });
  }
  // temp name + rename: a reader (or a crash) never sees half a file, and a failed write leaves the old one
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw new ImageEncodeError(path, (e as Error).message, { cause: e });
  }
}

/** The encoder `saveImage` picks from `path`'s extension; an ImageEncodeError naming the path for any other (check outputs before slow work). */
export function imageMimeForPath(path: string): Mime {
  const mime = EXTENSION_MIME[extname(path).toLowerCase()];
  if (!mime) throw new ImageEncodeError(path, `unknown extension "${extname(path)}", expected one of ${Object.keys(EXTENSION_MIME).join(", ")}`);
  return mime;
}
