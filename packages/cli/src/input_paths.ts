/**
 * input_paths.ts — check the paths a user typed, inputs and outputs, before any heavy work starts.
 *
 * Teaches: fail fast and name the path. Loading a checkpoint can take seconds to minutes; a typo in
 * `--image`, or an output the command could never write, should not be reported after that. These
 * checks only ask "does it exist, is it the right kind of thing"; what is inside (a decodable image)
 * is judged by the libraries, whose typed errors already name the file. The model folder is checked
 * by the library's open stage (PaliGemma.open: ModelDirError, a usage error here too).
 * An output must not be one of the inputs (same path after resolving links, or the same inode: a
 * hard link), so `--draw cat.png --image cat.png` is refused instead of overwriting the photo; the
 * writers themselves write a temp file and rename it (saveImage, saveCheckpoint).
 *
 * Leaves out: permission checks (the read or write itself reports EACCES, reworded by errors.ts).
 */
import { type Stats, realpathSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CliUsageError } from "./errors.ts";

/** `file` must be an existing regular file; `what` names the option ("--image"). */
export function requireInputFile(file: string, what: string): string {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) throw new CliUsageError(`${what} file '${file}' does not exist`);
  if (!st.isFile()) throw new CliUsageError(`${what} '${file}' is not a file`);
  return file;
}

/** A path the command reads, named by its option, for requireOutputPath's "is it an input" check. */
export interface NamedInput {
  path: string;
  what: string;
}

/**
 * `file` can be written by `what` ("--draw"): not an existing folder or special file, its parent
 * (when it exists) a folder, and not the same file as any of `inputs`.
 */
export function requireOutputPath(file: string, what: string, inputs: readonly NamedInput[], kind: "file" | "folder" = "file"): string {
  const st = statOrNull(file);
  if (st && kind === "file" && !st.isFile()) throw new CliUsageError(`${what} '${file}' exists and is not a file`);
  if (st && kind === "folder" && !st.isDirectory()) throw new CliUsageError(`${what} '${file}' exists and is not a folder`);
  const parent = nearestExisting(dirname(resolve(file)));
  if (!statSync(parent).isDirectory()) throw new CliUsageError(`${what} '${file}': '${parent}' is not a folder`);
  for (const input of inputs) {
    if (sameFile(file, input.path)) throw new CliUsageError(`${what} '${file}' is the ${input.what} input '${input.path}': refusing to overwrite it (choose another output path)`);
  }
  return file;
}

/** The path itself or its closest existing ancestor. */
function nearestExisting(p: string): string {
  while (!statOrNull(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/** Same file: equal real paths, or (both existing) equal device and inode. */
function sameFile(a: string, b: string): boolean {
  const sa = statOrNull(a);
  const sb = statOrNull(b);
  if (!sa || !sb) return resolve(a) === resolve(b);
  return (sa.dev === sb.dev && sa.ino === sb.ino) || realpathSync(a) === realpathSync(b);
}

/** statSync, or null when nothing is there (ENOENT, or ENOTDIR: a path below a file). */
function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return null;
    throw e;
  }
}
