/**
 * image_worker.ts — the image thread: bytes in, the model's pixel_values out.
 *
 * Teaches: decoding and resizing an upload is CPU work too (a 12-megapixel JPEG takes a second or
 * two in plain TypeScript), so it runs off the HTTP thread, and apart from the model thread, so a
 * broken or oversized image is answered at once instead of after the queue:
 *   bytes -> loadImage (PNG/JPEG/GIF/BMP/TIFF, refused above maxPixels, header first)
 *         -> preprocessImages([image], S) -> [3, S, S] float32, transferred back (no copy)
 * The original width and height come back too: boxes are reported in the photo's pixels.
 *
 * Reference: @paligemma-ts/processor (loadImage, preprocessImages).
 * Leaves out: EXIF rotation (off, as in the reference processor).
 */
import { parentPort } from "node:worker_threads";
import { loadImage, preprocessImages } from "@paligemma-ts/processor";
import { toWire } from "./errors.ts";

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  size: number;
  maxPixels: number;
  name: string;
}

export type DecodeReply = { id: number; pixels: Float32Array; width: number; height: number } | { id: number; error: ReturnType<typeof toWire> };

const port = parentPort!;
port.on("message", async (m: DecodeRequest) => {
  try {
    const image = await loadImage(m.bytes, { maxPixels: m.maxPixels });
    const pixels = preprocessImages([image], m.size).toFloat32().slice(); // [3, S, S], its own buffer
    port.postMessage({ id: m.id, pixels, width: image.width, height: image.height } satisfies DecodeReply, [pixels.buffer]);
  } catch (e) {
    const wire = toWire(e);
    port.postMessage({ id: m.id, error: { ...wire, message: wire.message.replace("<buffer>", m.name) } } satisfies DecodeReply);
  }
});
