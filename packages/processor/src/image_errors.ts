/**
 * image_errors.ts — the typed errors of image reading and writing.
 *
 * Teaches: an error a user can act on names the file, what was wrong and what was expected. Every
 * decoder in this package throws its own small error (JpegError, PngError, TiffError) with the
 * reason; loadImage wraps it in an ImageDecodeError that adds the file name, keeping the original
 * as `cause`. Pixel-limit refusals are ImageTooLargeError (image_limits.ts), a kind of
 * ImageDecodeError, so `catch (e) { if (e instanceof ImageDecodeError) ... }` sees both.
 *
 * Leaves out: warnings (PIL's DecompressionBombWarning is a process warning, see image_limits.ts).
 */
import { PaliGemmaError } from "@paligemma-ts/tensor";

/** A file (or buffer) could not be read or decoded as an image. `file` names it ("<buffer>" for bytes). */
export class ImageDecodeError extends PaliGemmaError {
  readonly file: string;
  constructor(file: string, reason: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? "E_IMAGE_DECODE", `cannot decode image ${file}: ${reason}`, options);
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

/** The bytes of one format are malformed or use a variant the decoder does not handle. */
export class ImageFormatError extends PaliGemmaError {
  /** True for valid files this package does not decode (12-bit or lossless JPEG, JPEG-in-TIFF, ...). */
  readonly unsupported: boolean;
  constructor(format: string, message: string, unsupported = false, options?: { cause?: unknown }) {
    super(`E_${format}`, message, options);
    this.unsupported = unsupported;
  }
}
