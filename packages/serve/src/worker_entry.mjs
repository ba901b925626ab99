// worker_entry.mjs — the first file of every worker thread this package starts. The package ships
// TypeScript sources and no build step, and a worker thread does not inherit its parent's loader
// (tsx, vitest): so, like the CLI's bin/paligemma.mjs, it loads the TypeScript module named in
// workerData.module through tsx's programmatic API (tsImport applies the loader to that module and
// its imports only). The module does the rest (model_worker.ts, image_worker.ts).
import { workerData } from "node:worker_threads";

const { tsImport } = await import("tsx/esm/api");
await tsImport(workerData.module, import.meta.url);
