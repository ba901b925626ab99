// Opt-in download of onnxruntime-node's CUDA 12 execution-provider libraries
// (libonnxruntime_providers_{shared,cuda}.so). `pnpm install` skips this on purpose;
// run `pnpm cuda:install` on a machine with an NVIDIA GPU, CUDA 12 and cuDNN 9.
import { createRequire } from "node:module";
import { spawnSync } from "node:child_process";
import path from "node:path";

const require = createRequire(new URL("../packages/tensor/package.json", import.meta.url));
const ortDir = path.dirname(require.resolve("onnxruntime-node/package.json"));
const flavour = process.env.ONNXRUNTIME_NODE_INSTALL ?? "cuda12";
console.log(`Installing onnxruntime-node execution providers "${flavour}" into ${ortDir}/bin`);
const r = spawnSync(process.execPath, [path.join(ortDir, "script", "install.js")], {
  stdio: "inherit",
  env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: flavour },
});
process.exit(r.status ?? 1);
