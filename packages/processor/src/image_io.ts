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
 * JPEG is decoded by this package (jpeg_decoder.ts, jpeg_idct.ts, jpeg_color.ts) bit-exactly like
 * libjpeg-turbo, which PIL uses; the other formats, and JPEG variants that decoder does not handle
 * (CMYK, arithmetic coding, 12-bit), go through jimp's pure-JS codecs (pngjs, jpeg-js, omggif,
 * bmp-ts, utif2), which also encode `saveImage`'s output.
 *
 * References: https://pillow.readthedocs.io/en/stable/reference/Image.html#PIL.Image.Image.convert,
 * https://en.wikipedia.org/wiki/List_of_file_signatures.
 *
 * Leaves out (differences from PIL that do not affect the fixtures): jpeg-js, used only for the
 * JPEG variants above, truncates its color conversion and replicates chroma, so those may differ
 * by a level or two;
 * 16-bit PNGs are scaled to 8 bits by pngjs (PIL keeps the high byte); transparent GIF pixels
 * become black; no WebP, no ICC color management (PIL does none either without ImageCms).
 */
import { readFile, writeFile } from "node:fs/promises";
import { extname } from "node:path";
import { PaliGemmaError } from "@paligemma-ts/tensor";
import { defaultFormats } from "jimp";
import { applyExifOrientation, readExifOrientation } from "./exif_orientation.ts";
import { jpegToRgb } from "./jpeg_color.ts";
import { JpegError, decodeJpegCoefficients } from "./jpeg_decoder.ts";

/** An 8-bit RGB image: `data` is R, G, B interleaved, row-major, `width * height * 3` bytes. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface LoadImageOptions {
  /** Rotate/flip by the EXIF Orientation tag (default false, like PIL and the reference processor). */
  applyExifOrientation?: boolean;
}

/** A file (or buffer) could not be read or decoded as an image. `file` names it ("<buffer>" for bytes). */
export class ImageDecodeError extends PaliGemmaError {
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super("E_IMAGE_DECODE", `cannot decode image ${file}: ${reason}`, options);
    this.file = file;
  }
}

/** An image could not be encoded or written. */
export class ImageEncodeError extends PaliGemmaError {
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super("E_IMAGE_ENCODE", `cannot write image ${file}: ${reason}`, options);
    this.file = file;
  }
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

interface Bitmap {
  width: number;
  height: number;
  data: Uint8Array; // RGBA
}
interface Codec {
  mime: string;
  decode?: (data: Buffer, options?: Record<string, unknown>) => Bitmap | Promise<Bitmap>;
  encode?: (bitmap: Bitmap, options?: Record<string, unknown>) => Buffer | Uint8Array | Promise<Buffer | Uint8Array>;
}
const CODECS: Codec[] = (defaultFormats as unknown as (() => Codec)[]).map((f) => f());

function codecFor(mime: Mime): Codec {
  const codec = CODECS.find((c) => c.mime === mime);
  if (!codec) throw new Error(`jimp has no codec for ${mime}`);
  return codec;
}

/** Per-format decoder options: fail on truncated JPEGs (PIL raises "image file is truncated"). */
const DECODE_OPTIONS: Partial<Record<Mime, Record<string, unknown>>> = {
  "image/jpeg": { tolerantDecoding: false, maxResolutionInMP: 200, maxMemoryUsageInMB: 2048 },
};

/** RGBA -> RGB by dropping alpha (PIL's convert("RGB") on RGBA, LA and P images). */
function dropAlpha(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    rgb[i * 3] = rgba[j];
    rgb[i * 3 + 1] = rgba[j + 1];
    rgb[i * 3 + 2] = rgba[j + 2];
  }
  return rgb;
}

/**
 * Decode an image file or its bytes to RGB. Throws ImageDecodeError naming the file when it cannot be
 * read, is not PNG/JPEG/BMP/GIF/TIFF, or is corrupt or truncated.
 */
export async function loadImage(source: string | Uint8Array, options: LoadImageOptions = {}): Promise<RgbImage> {
  const name = typeof source === "string" ? source : "<buffer>";
  let bytes: Buffer;
  try {
    bytes = typeof source === "string" ? await readFile(source) : Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  } catch (e) {
    throw new ImageDecodeError(name, (e as Error).message, { cause: e });
  }
  const mime = sniffImageFormat(bytes);
  if (!mime) {
    const head = Array.from(bytes.subarray(0, 8), (x) => x.toString(16).padStart(2, "0")).join(" ");
    throw new ImageDecodeError(name, `not a PNG, JPEG, BMP, GIF or TIFF file (${bytes.length} bytes, starts with [${head}])`);
  }
  const image = await decode(bytes, mime, name);
  return options.applyExifOrientation ? applyExifOrientation(image, readExifOrientation(bytes)) : image;
}

async function decode(bytes: Buffer, mime: Mime, name: string): Promise<RgbImage> {
  const kind = mime.slice(6).toUpperCase();
  let unsupported = "";
  if (mime === "image/jpeg") {
    try {
      return jpegToRgb(decodeJpegCoefficients(bytes));
    } catch (e) {
      // A valid JPEG our decoder does not handle goes to jpeg-js; anything else is an error.
      if (!(e instanceof JpegError && e.unsupported)) throw new ImageDecodeError(name, `corrupt or truncated JPEG (${(e as Error).message})`, { cause: e });
      unsupported = (e as Error).message;
    }
  }
  let bitmap: Bitmap;
  try {
    bitmap = await codecFor(mime).decode!(bytes, DECODE_OPTIONS[mime]);
  } catch (e) {
    const why = unsupported ? `unsupported JPEG: ${unsupported}` : `corrupt or truncated ${kind}`;
    throw new ImageDecodeError(name, `${why} (${(e as Error).message})`, { cause: e });
  }
  const { width, height, data } = bitmap;
  if (!(width > 0 && height > 0) || data.length < width * height * 4) {
    throw new ImageDecodeError(name, `${kind} decoder returned ${width}x${height} with ${data.length} bytes`);
  }
  return { width, height, data: dropAlpha(data, width, height) };
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
  return new Uint8Array(await codecFor(mime).encode!({ width: image.width, height: image.height, data: rgba }, opts));
}

/** Write an RGB image; the format follows the extension (.png, .jpg/.jpeg, .bmp, .gif, .tif/.tiff). */
export async function saveImage(image: RgbImage, path: string): Promise<void> {
  const mime = EXTENSION_MIME[extname(path).toLowerCase()];
  if (!mime) throw new ImageEncodeError(path, `unknown extension "${extname(path)}", expected one of ${Object.keys(EXTENSION_MIME).join(", ")}`);
  if (image.data.length !== image.width * image.height * 3) {
    throw new ImageEncodeError(path, `image data has ${image.data.length} bytes, expected ${image.width}x${image.height}x3`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await encodeImage(image, mime);
  } catch (e) {
    throw new ImageEncodeError(path, (e as Error).message, { cause: e });
  }
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw new ImageEncodeError(path, (e as Error).message, { cause: e });
  }
}
