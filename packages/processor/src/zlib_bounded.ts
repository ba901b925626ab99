/**
 * zlib_bounded.ts — inflate a zlib stream, but never to more bytes than the image header allows.
 *
 * Teaches: deflate compresses a run of equal bytes about 1032:1, so a 1.1 MB PNG can hold 1.1 GB of
 * zeros (a "zlib bomb"). Inflating the whole stream and checking its length afterwards has already
 * lost: the memory is gone. The header says how many bytes the image needs (PNG: for each row one
 * filter byte plus the row's bytes), so inflate incrementally and stop at that bound:
 *
 *   out = new buffer of `limit` bytes
 *   for each chunk the inflater produces (64 KiB at a time):
 *     copy what still fits; once out is full, stop the inflater (the rest is never decompressed)
 *
 * The result says how the stream ended, because formats treat the cases differently (PIL, for
 * PNG: data beyond the image is ignored, a stream that ends early leaves the missing rows zero, a
 * file cut off mid-stream is "truncated"):
 *   full       the bound was reached (more data may have followed, unread)
 *   ended      the stream finished properly before the bound (`length` < limit)
 *   truncated  the input ran out mid-stream
 * Corrupt data (a bad header, an invalid code) rejects with the inflater's message.
 *
 * Reference: RFC 1950 (zlib), RFC 1951 (deflate); Node zlib streams (https://nodejs.org/api/zlib.html);
 * https://www.bamsoftware.com/hacks/deflate.html (the 1032:1 bound).
 * Leaves out: the synchronous API: zlib.inflateSync's maxOutputLength throws away everything on
 * overflow, so it cannot tell "extra data after the image" (fine) from a bomb.
 */
import { createInflate } from "node:zlib";

export interface BoundedInflate {
  /** `limit` bytes; only the first `length` were produced (the rest are 0). */
  data: Uint8Array;
  length: number;
  end: "full" | "ended" | "truncated";
}

const CHUNK = 64 * 1024;

/** Inflate a zlib stream (RFC 1950), keeping at most `limit` bytes of output. */
export function inflateBounded(input: Uint8Array, limit: number): Promise<BoundedInflate> {
  return new Promise((resolve, reject) => {
    const data = new Uint8Array(limit);
    let length = 0;
    let done = false;
    const z = createInflate({ chunkSize: CHUNK });
    const finish = (end: BoundedInflate["end"]) => {
      if (done) return;
      done = true;
      z.destroy();
      resolve({ data, length, end });
    };
    z.on("data", (chunk: Buffer) => {
      if (done) return;
      const take = Math.min(chunk.length, limit - length);
      data.set(take === chunk.length ? chunk : chunk.subarray(0, take), length);
      length += take;
      if (length >= limit) finish("full");
    });
    z.on("end", () => finish("ended"));
    z.on("error", (e: NodeJS.ErrnoException) => {
      if (done) return;
      if (e.code === "Z_BUF_ERROR") return finish("truncated"); // "unexpected end of file"
      done = true;
      z.destroy();
      reject(e);
    });
    z.end(input);
  });
}
