/**
 * malloc_env.ts — run the bench under glibc malloc's fixed 1 MiB mmap threshold (Linux only).
 *
 * Teaches: why a process's peak RSS can sit above its weights, and the one setting that fixes it.
 * ORT's CPU arena is off for model sessions, so every session.run mallocs its intermediates and
 * frees them. glibc serves blocks >= the mmap threshold (128 KiB at start) with mmap and returns
 * them to the kernel on free, but each such free RAISES the threshold to the block's size (the
 * "dynamic mmap threshold"): after the prefill's ~18 MB MLP buffers, every later buffer up to 18 MB
 * comes from the heap / per-thread arenas and stays resident after free. Measured at the 3B shape
 * (pnpm bench --tokens 16 --dtype int8): weights 2.91 GB after load, peak 3.30 GB with glibc's
 * default, 3.05 GB with MALLOC_MMAP_THRESHOLD_=1048576 (setting it also turns the dynamic
 * adjustment off); numbers per dtype in bench/README.md.
 * glibc reads the setting once at process start, so it cannot be set from inside: the bench
 * re-executes itself once with the variable added (the same arguments and node flags; the parent
 * only waits and forwards signals). A setting the user gave (MALLOC_MMAP_THRESHOLD_, or
 * glibc.malloc.mmap_threshold in GLIBC_TUNABLES) is kept; PALIGEMMA_MALLOC_TUNED=0 opts out (glibc's
 * default), and the re-executed child has PALIGEMMA_MALLOC_TUNED=1 so it never re-executes again.
 *
 * Reference: glibc manual, "Memory Allocation Tunables" (glibc.malloc.mmap_threshold); mallopt(3).
 * Leaves out: non-glibc allocators (musl, macOS, Windows: nothing is done there).
 */
import { spawn } from "node:child_process";

export const MMAP_THRESHOLD = "1048576"; // 1 MiB

/** The malloc setting this process runs under, for the bench's log and JSON. */
export function mallocSetting(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform !== "linux") return `${process.platform}: system allocator (not glibc)`;
  const tunable = env.GLIBC_TUNABLES?.split(":").find((t) => t.startsWith("glibc.malloc.mmap_threshold="));
  const by = env.PALIGEMMA_MALLOC_TUNED === "1" ? "set by the bench" : "from the environment";
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined) return `MALLOC_MMAP_THRESHOLD_=${env.MALLOC_MMAP_THRESHOLD_} (${by})`;
  if (tunable) return `GLIBC_TUNABLES ${tunable} (${by})`;
  return "glibc default (dynamic mmap threshold)";
}

/** True when this process should re-execute itself with the 1 MiB threshold. */
export function needsMallocReexec(env: NodeJS.ProcessEnv = process.env): boolean {
  return process.platform === "linux" && env.PALIGEMMA_MALLOC_TUNED === undefined && env.MALLOC_MMAP_THRESHOLD_ === undefined &&
    !(env.GLIBC_TUNABLES ?? "").includes("glibc.malloc.mmap_threshold=");
}

/** Re-run this script in a child with the threshold set; resolves never (exits with the child's status). */
export function reexecWithMallocThreshold(): Promise<never> {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, MALLOC_MMAP_THRESHOLD_: MMAP_THRESHOLD, PALIGEMMA_MALLOC_TUNED: "1" },
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(sig, () => child.kill(sig));
  return new Promise<never>(() => {
    child.on("exit", (code, signal) => {
      if (signal) {
        process.removeAllListeners(signal); // die of the same signal, as the child did
        process.kill(process.pid, signal);
      }
      process.exit(code ?? 1);
    });
  });
}
