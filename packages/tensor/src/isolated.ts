/**
 * isolated.ts — run one exported function in a fresh Node process, with a time limit and its peak memory.
 *
 * Teaches: some failures cannot be caught inside the process that has them. A synchronous infinite
 * loop, or `open()` on a FIFO, blocks the only JS thread, so no timer or test timeout ever fires;
 * an allocation of 5 GB may take the whole process down. Tests that must *fail* on such a
 * regression (not hang the suite) run the code in a child process instead:
 *
 *   node --import tsx -e "import(module).then(m => m[name](...args))"   (tsx: TypeScript sources)
 *   killed after timeoutMs; the child reports { value | error, maxRssMb } as one JSON line on stdout
 *   and may print progress lines ("@progress <text>") on stderr, so a hang can say where it was.
 *
 * `maxRssMb` is the child's peak resident memory (process.resourceUsage().maxRSS), the honest
 * measure of "did this allocate gigabytes", which a parent cannot see from outside.
 *
 * Reference: Node child_process.spawnSync (https://nodejs.org/api/child_process.html),
 * process.resourceUsage().
 * Leaves out: sandboxing (the child has the same permissions), Windows process trees.
 */
import { spawnSync } from "node:child_process";

export interface IsolatedResult<T> {
  /** The function's (awaited) return value, JSON round-tripped. */
  value?: T;
  /** What it threw: class name, message, and `code` for PaliGemmaErrors. */
  error?: { name: string; message: string; code?: string };
  /** Killed at the time limit. */
  hung: boolean;
  /** Ended without a result (a crash: out of memory, an abort, a signal other than the time limit). */
  crashed: boolean;
  /** The last "@progress" line the child printed before it ended or was killed. */
  lastProgress?: string;
  /** Peak resident memory of the child, in MB (undefined when it was killed). */
  maxRssMb?: number;
  /** The child's stderr, for diagnosing a crash. */
  stderr: string;
}

/** Print a progress line the parent shows if the child hangs or crashes after it. */
export function reportProgress(text: string): void {
  process.stderr.write(`@progress ${text}\n`);
}

/**
 * Call `exportName(...args)` from the module at `moduleUrl` (a file: URL) in a child process.
 * Arguments and the result must be JSON-serializable.
 */
export function runIsolated<T>(moduleUrl: string, exportName: string, args: unknown[], options: { timeoutMs: number; maxOldSpaceMb?: number }): IsolatedResult<T> {
  const code = `
    const send = (o) => process.stdout.write("\\n@result " + JSON.stringify({ ...o, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + "\\n");
    try {
      const m = await import(${JSON.stringify(moduleUrl)});
      const f = m[${JSON.stringify(exportName)}] ?? m.default?.[${JSON.stringify(exportName)}];
      const value = await f(...${JSON.stringify(args)});
      send({ value });
    } catch (e) {
      send({ error: { name: e?.constructor?.name ?? typeof e, message: String(e?.message ?? e), code: e?.code } });
    }`;
  const flags = ["--import", "tsx", "--input-type=module"];
  if (options.maxOldSpaceMb) flags.unshift(`--max-old-space-size=${options.maxOldSpaceMb}`);
  const r = spawnSync(process.execPath, [...flags, "-e", code], { timeout: options.timeoutMs, encoding: "utf8", maxBuffer: 64 << 20 });
  const stderr = r.stderr ?? "";
  const progress = stderr.split("\n").filter((l) => l.startsWith("@progress ")).pop()?.slice(10);
  const line = (r.stdout ?? "").split("\n").filter((l) => l.startsWith("@result ")).pop();
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT";
  if (!line) return { hung: timedOut, crashed: !timedOut, lastProgress: progress, stderr };
  return { ...(JSON.parse(line.slice(8)) as Omit<IsolatedResult<T>, "hung" | "crashed" | "stderr">), hung: false, crashed: false, lastProgress: progress, stderr };
}
