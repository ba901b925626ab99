#!/usr/bin/env node
// paligemma — the command's launcher. The package ships TypeScript sources and no build step, so
// this file loads src/main.ts through tsx's programmatic API (tsImport: the TypeScript loader
// applies to main.ts and everything it imports, not to the rest of the process) and runs it.
//
// Memory (Linux, glibc): run with malloc's mmap threshold fixed at 1 MiB. ORT's CPU arena is off for
// the model's sessions, so each session.run mallocs its intermediates and frees them. glibc mmaps
// blocks above its threshold and unmaps them on free, but each such free raises the threshold to
// that block's size (the dynamic mmap threshold): after a prefill's ~18 MB MLP buffers, every later
// buffer up to 18 MB comes from the heap / per-thread arenas and stays resident when freed. At the
// 3B shape (pnpm bench --tokens 16 --dtype int8) the weights are 2.91 GB after load; peak RSS is
// 3.30 GB with glibc's default and ~3.05 GB with the 1 MiB threshold (packages/paligemma/bench/README.md).
// glibc reads MALLOC_MMAP_THRESHOLD_ once at process start, so the launcher re-executes itself once
// with it set (the parent, a bare node before anything is imported, only waits and forwards
// signals). A user's own MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES glibc.malloc.mmap_threshold is
// kept; PALIGEMMA_MALLOC_TUNED=0 keeps glibc's default. The child gets PALIGEMMA_MALLOC_TUNED=1,
// so it never re-executes again. Other platforms: nothing is done.
import { spawn } from "node:child_process";

const env = process.env;
if (
  process.platform === "linux" &&
  env.PALIGEMMA_MALLOC_TUNED === undefined &&
  env.MALLOC_MMAP_THRESHOLD_ === undefined &&
  !(env.GLIBC_TUNABLES ?? "").includes("glibc.malloc.mmap_threshold=")
) {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...env, MALLOC_MMAP_THRESHOLD_: "1048576", PALIGEMMA_MALLOC_TUNED: "1" },
  });
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal); // die of the same signal, as the child did
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
} else {
  const { tsImport } = await import("tsx/esm/api");
  const { main } = await tsImport("../src/main.ts", import.meta.url);
  process.exitCode = await main(process.argv.slice(2));
}
