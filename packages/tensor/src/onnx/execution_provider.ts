/**
 * execution_provider.ts — choose where ONNX sessions run: "cpu" or "cuda", falling back to CPU.
 *
 * Teaches: onnxruntime runs a graph through an execution provider (EP). The CPU EP ships inside
 * the onnxruntime-node npm package; the CUDA EP is two extra shared libraries
 * (libonnxruntime_providers_shared.so + libonnxruntime_providers_cuda.so) that the package's
 * install script downloads only when asked (`ONNXRUNTIME_NODE_INSTALL=cuda12`, or our
 * `pnpm cuda:install`). So asking for CUDA must degrade gracefully:
 *
 *   requested = option ?? $PALIGEMMA_DEVICE ?? "cpu"
 *   cuda requested, libraries present, session creation works  -> "cuda"
 *   otherwise                                                   -> "cpu", plus ONE stderr line per process
 *
 * The library check happens before ORT is asked, so ORT never prints its own multi-line error;
 * a CUDA session that still fails to create (no driver, wrong CUDA version) is reported through
 * `reportCudaFailure` by the session factory, which then retries on CPU.
 *
 * References: https://onnxruntime.ai/docs/execution-providers/CUDA-ExecutionProvider.html ;
 * onnxruntime-node script/install.js. Leaves out: TensorRT, WebGPU, CUDA provider options.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { ArgumentError } from "../errors.ts";

export type Device = "cpu" | "cuda";

const DEVICES: readonly Device[] = ["cpu", "cuda"];

/** Folder holding libonnxruntime.so and (when installed) the CUDA provider libraries. */
export function onnxruntimeBinDir(): string {
  const require = createRequire(import.meta.url);
  const pkg = dirname(require.resolve("onnxruntime-node/package.json"));
  return join(pkg, "bin", "napi-v6", process.platform, process.arch);
}

/** True when both CUDA provider libraries sit next to libonnxruntime. */
export function cudaProviderInstalled(): boolean {
  const dir = onnxruntimeBinDir();
  return existsSync(join(dir, "libonnxruntime_providers_shared.so")) && existsSync(join(dir, "libonnxruntime_providers_cuda.so"));
}

let warned = false;
let cudaBroken: string | undefined; // reason, once a CUDA session failed to create

function warnOnce(reason: string): void {
  if (warned) return;
  warned = true;
  process.stderr.write(`paligemma: ${reason}; falling back to CPU\n`);
}

/** The device sessions will use: the request (or $PALIGEMMA_DEVICE), downgraded to "cpu" when CUDA is unavailable. */
export function resolveDevice(requested?: Device): Device {
  const want = requested ?? parseDevice(process.env.PALIGEMMA_DEVICE);
  if (want === "cpu") return "cpu";
  if (cudaBroken !== undefined) {
    warnOnce(cudaBroken);
    return "cpu";
  }
  if (!cudaProviderInstalled()) {
    warnOnce('CUDA execution provider not installed (run "pnpm cuda:install" on a GPU machine)');
    return "cpu";
  }
  return "cuda";
}

/** Called by the session factory when creating a CUDA session threw: later requests go to CPU. */
export function reportCudaFailure(error: unknown): void {
  const first = String(error instanceof Error ? error.message : error).split("\n")[0].slice(0, 200);
  cudaBroken = `CUDA execution provider failed to start (${first})`;
  warnOnce(cudaBroken);
}

/** ONNX Runtime's executionProviders list for a resolved device. */
export function executionProviders(device: Device): string[] {
  return device === "cuda" ? ["cuda", "cpu"] : ["cpu"];
}

function parseDevice(value: string | undefined): Device {
  if (value === undefined || value === "") return "cpu";
  const v = value.toLowerCase() as Device;
  if (!DEVICES.includes(v)) throw new ArgumentError(`PALIGEMMA_DEVICE="${value}": expected one of ${DEVICES.join(", ")}`);
  return v;
}

/** Tests only: forget the one-warning-per-process state and any recorded CUDA failure. */
export function resetDeviceStateForTests(): void {
  warned = false;
  cudaBroken = undefined;
}
