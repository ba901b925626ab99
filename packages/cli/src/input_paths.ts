/**
 * input_paths.ts — check the paths a user typed before any heavy work starts.
 *
 * Teaches: fail fast and name the path. Loading a checkpoint can take seconds to minutes; a typo in
 * `--image` should not be reported after that. These checks only ask "does it exist, is it the
 * right kind of thing"; what is inside (a decodable image) is judged by the libraries, whose typed
 * errors already name the file. The model folder is checked by the library's open stage
 * (PaliGemma.open: ModelDirError, a usage error here too).
 *
 * Leaves out: permission checks (the read itself reports EACCES, reworded by errors.ts).
 */
import { statSync } from "node:fs";
import { CliUsageError } from "./errors.ts";

/** `file` must be an existing regular file; `what` names the option ("--image"). */
export function requireInputFile(file: string, what: string): string {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) throw new CliUsageError(`${what} file '${file}' does not exist`);
  if (!st.isFile()) throw new CliUsageError(`${what} '${file}' is not a file`);
  return file;
}
