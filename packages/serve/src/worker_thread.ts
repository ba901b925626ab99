/**
 * worker_thread.ts — start one of this package's TypeScript modules in a worker thread.
 *
 * Teaches: `new Worker(file)` runs plain JavaScript; our modules are TypeScript run without a build
 * step. So every worker starts at worker_entry.mjs, which loads `module` through tsx and runs it;
 * `data` travels in workerData (structured clone). The worker's stdout/stderr are the process's.
 *
 * Reference: https://nodejs.org/api/worker_threads.html#new-workerfilename-options
 * Leaves out: resource limits (a model worker needs all the memory its weights take).
 */
import { Worker } from "node:worker_threads";

const ENTRY = new URL("./worker_entry.mjs", import.meta.url);

/** A worker thread running `module` (a file URL of a .ts module of this package, or a test's). */
export function startWorker(module: URL, data: Record<string, unknown>): Worker {
  return new Worker(ENTRY, { workerData: { ...data, module: module.href } });
}
