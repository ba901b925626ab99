/**
 * image_input.ts — turn the image reference of a request into bytes: a data URL, bare base64, or
 * (only when the server was started with --allow-files DIR) a file:// path inside DIR.
 *
 * Teaches: a server that reads files on a client's behalf must decide which files. OpenAI's chat API
 * carries images as `image_url.url`; here that is
 *   data:image/png;base64,iVBOR...     the image itself (what the `openai` client sends for uploads)
 *   file:///abs/path.jpg               read from disk, allowed only under --allow-files DIR: the path is
 *                                      resolved (symlinks followed, `..` collapsed) and must still lie
 *                                      inside DIR's own resolved path, so a link or `../` cannot escape
 *   http(s)://...                      refused: the server fetches nothing from the network
 * Errors are RequestError (400, naming the field) or FileAccessError (403).
 *
 * Reference: RFC 2397 (data URLs); OWASP path traversal.
 * Leaves out: remote URLs, image formats beyond what the processor decodes.
 */
import { realpath } from "node:fs/promises";
import { isAbsolute, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { PaliGemmaError, readRegularFileAsync } from "@paligemma-ts/tensor";
import { RequestError } from "./errors.ts";

/** A file:// image the server may not read (no --allow-files, or outside its folder). */
export class FileAccessError extends PaliGemmaError {
  constructor(message: string) {
    super("E_FILE_ACCESS", message);
  }
}

export interface ImageBytes {
  bytes: Uint8Array;
  /** How errors name it: "image_url (data URL)", the file path. */
  name: string;
}

/** Bytes of the image `ref` given in request field `param`; `maxBytes` bounds a file read. */
export async function imageBytes(ref: string, param: string, options: { allowFiles?: string; maxBytes: number }): Promise<ImageBytes> {
  const s = ref.trim();
  if (s === "") throw new RequestError(`${param} is empty`, param);
  if (s.startsWith("data:")) {
    const comma = s.indexOf(",");
    if (comma < 0) throw new RequestError(`${param}: a data URL needs a comma before its payload`, param);
    const meta = s.slice(5, comma);
    const payload = s.slice(comma + 1);
    const bytes = meta.endsWith(";base64") ? base64(payload, param) : new Uint8Array(Buffer.from(decodeURIComponent(payload), "latin1"));
    return { bytes, name: `${param} (data URL)` };
  }
  if (s.startsWith("file:")) return { bytes: await readAllowedFile(s, param, options), name: s };
  if (/^[a-z][a-z0-9+.-]*:/i.test(s)) throw new RequestError(`${param}: the server fetches no URLs; send the image as a data: URL (data:image/png;base64,...)`, param);
  return { bytes: base64(s, param), name: `${param} (base64)` };
}

function base64(payload: string, param: string): Uint8Array {
  const clean = payload.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(clean) || clean.length === 0) throw new RequestError(`${param} is not base64 image data`, param);
  return new Uint8Array(Buffer.from(clean, "base64"));
}

async function readAllowedFile(url: string, param: string, options: { allowFiles?: string; maxBytes: number }): Promise<Uint8Array> {
  if (!options.allowFiles) throw new FileAccessError(`${param}: file:// images are off; start the server with --allow-files DIR to read images under DIR`);
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (e) {
    throw new RequestError(`${param}: ${(e as Error).message}`, param);
  }
  const root = await realpath(options.allowFiles);
  const real = await realpath(path).catch(() => {
    throw new RequestError(`${param}: ${path} does not exist`, param);
  });
  const rel = relative(root, real);
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) throw new FileAccessError(`${param}: ${path} is outside the --allow-files folder ${root}`);
  return new Uint8Array(await readRegularFileAsync(real, options.maxBytes)); // FileError (400): not a regular file, too large
}
