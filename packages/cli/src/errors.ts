/**
 * errors.ts — how the `paligemma` command reports a failure: one line on stderr, a non-zero exit.
 *
 * Teaches: a command-line tool's error is for a person, not a debugger. Every failure becomes
 *
 *   paligemma: error: <what went wrong, naming the file / option / value>
 *
 * and exit code 1 (2 for a usage error: a bad option value, a missing input file or model folder, like
 * most Unix tools). The
 * libraries already throw typed errors (`PaliGemmaError` subclasses from @paligemma-ts/tensor) whose
 * message names the file, tensor or argument, so the CLI prints that message as it is. Node's own
 * file-system errors (ENOENT, EACCES, ...) are reworded the same way. Anything else is a bug: its
 * message is still printed on one line, and `PALIGEMMA_DEBUG=1` adds the stack trace.
 *
 * Leaves out: colors, error codes in the output (programs read `PaliGemmaError.code` instead).
 */
import { PaliGemmaError } from "@paligemma-ts/tensor";

/** A bad command-line value or a missing input file, found by the CLI before the libraries run. */
export class CliUsageError extends PaliGemmaError {
  constructor(message: string) {
    super("E_CLI_USAGE", message);
  }
}

/** Exit codes: 0 ok, 1 the run failed, 2 the command line was wrong. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Node's file-system error texts, reworded as a phrase about the path. */
const FS_CODES: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EISDIR: "is a directory, expected a file",
  ENOTDIR: "not a directory",
  EMFILE: "too many open files",
};

/** The one-line message for any thrown value (no "Error:" prefix, no stack, no newlines). */
export function errorMessage(e: unknown): string {
  let msg: string;
  if (e instanceof PaliGemmaError) msg = e.message;
  else if (isNodeFsError(e)) msg = `${e.path}: ${FS_CODES[e.code] ?? e.message}`;
  else if (e instanceof Error) msg = e.message || e.name;
  else msg = String(e);
  return msg.replace(/\s*\n\s*/g, " ").trim();
}

/** Print `paligemma: error: <message>` to stderr; with PALIGEMMA_DEBUG=1 also the stack. */
export function reportError(e: unknown, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  write(`paligemma: error: ${errorMessage(e)}\n`);
  if (process.env.PALIGEMMA_DEBUG && e instanceof Error && e.stack) write(`${e.stack}\n`);
  return e instanceof CliUsageError || (e instanceof PaliGemmaError && e.code === "E_MODEL_DIR") ? EXIT_USAGE : EXIT_FAILURE;
}

function isNodeFsError(e: unknown): e is NodeJS.ErrnoException & { path: string; code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && typeof (e as NodeJS.ErrnoException).path === "string";
}
