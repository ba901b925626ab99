/**
 * regular_file.ts — open and read only regular files, never block on a FIFO, refuse oversized files.
 *
 * Teaches: `open(path, O_RDONLY)` on a FIFO (named pipe) blocks until some other process opens it
 * for writing, which may be never; on a directory it succeeds and the first read fails with a bare
 * EISDIR that names no file; on /dev/zero a read never ends. A loader that takes paths from a
 * hostile model folder (config.json, an index's shard names, tokenizer.model, an image) must not
 * trust the name to be a file. So:
 *
 *   fd = open(path, O_RDONLY | O_NONBLOCK)   (O_NONBLOCK: a FIFO opens at once instead of waiting;
 *                                             on a regular file the flag changes nothing)
 *   st = fstat(fd)                           (the file actually opened: no race with a rename)
 *   if !st.isFile(): close(fd), refuse       ("is a FIFO", "is a directory", ...)
 *   if st.size > maxBytes: close(fd), refuse
 *
 * Symlinks are followed (the Hugging Face cache links snapshot files to blobs); what is checked is
 * the file they lead to. Errors are FileError (a PaliGemmaError) naming the path; callers usually
 * rewrap them in their own error type with what the file was for.
 *
 * Reference: POSIX open(2) O_NONBLOCK on FIFOs (https://man7.org/linux/man-pages/man7/fifo.7.html).
 * Leaves out: Windows named pipes, mandatory locks.
 */
import * as fs from "node:fs";
import { PaliGemmaError } from "./errors.ts";

/** A path that cannot be read as a regular file (missing, a FIFO, a directory, too large, ...). */
export class FileError extends PaliGemmaError {
  readonly file: string;
  /** The message without the path, for callers that name the file themselves. */
  readonly reason: string;
  constructor(file: string, reason: string, options?: { cause?: unknown }) {
    super("E_FILE", `${file}: ${reason}`, options);
    this.file = file;
    this.reason = reason;
  }
}

/** An error's message without a FileError's path prefix (callers that already name the file). */
export function errorReason(e: unknown): string {
  return e instanceof FileError ? e.reason : (e as Error).message;
}

/** What kind of non-regular file a Stats describes, for messages. */
export function fileKind(st: fs.Stats): string {
  if (st.isFile()) return "a regular file";
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "not a regular file";
}

const FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

function refuse(file: string, st: fs.Stats, maxBytes: number): string | undefined {
  if (!st.isFile()) return `is ${fileKind(st)}, expected a regular file`;
  if (st.size > maxBytes) return `is ${st.size} bytes, more than the ${maxBytes} allowed for this file`;
  return undefined;
}

/** Open `file` for reading only if it is a regular file of at most `maxBytes`; returns the fd. */
export function openRegularFile(file: string, maxBytes = Number.MAX_SAFE_INTEGER): number {
  if (typeof file !== "string" || file.length === 0 || file.includes("\0")) throw new FileError(String(file), "is not a usable path (empty or contains a NUL byte)");
  let fd: number;
  try {
    fd = fs.openSync(file, FLAGS);
  } catch (e) {
    throw new FileError(file, `cannot open: ${(e as Error).message}`, { cause: e });
  }
  const why = refuse(file, fs.fstatSync(fd), maxBytes);
  if (why) {
    fs.closeSync(fd);
    throw new FileError(file, why);
  }
  return fd;
}

/** The whole content of a regular file of at most `maxBytes` (see openRegularFile). */
export function readRegularFile(file: string, maxBytes = Number.MAX_SAFE_INTEGER): Buffer {
  const fd = openRegularFile(file, maxBytes);
  try {
    return fs.readFileSync(fd);
  } catch (e) {
    throw new FileError(file, `cannot read: ${(e as Error).message}`, { cause: e });
  } finally {
    fs.closeSync(fd);
  }
}

/** readRegularFile without blocking the event loop (for servers reading uploaded images). */
export async function readRegularFileAsync(file: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
  if (typeof file !== "string" || file.length === 0 || file.includes("\0")) throw new FileError(String(file), "is not a usable path (empty or contains a NUL byte)");
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, FLAGS);
  } catch (e) {
    throw new FileError(file, `cannot open: ${(e as Error).message}`, { cause: e });
  }
  try {
    const why = refuse(file, await handle.stat(), maxBytes);
    if (why) throw new FileError(file, why);
    return await handle.readFile();
  } catch (e) {
    if (e instanceof FileError) throw e;
    throw new FileError(file, `cannot read: ${(e as Error).message}`, { cause: e });
  } finally {
    await handle.close();
  }
}
