/** fixtures.ts — the repo's tiny PaliGemma fixtures, opened for one describe block and closed after it; kernels over them. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Checkpoint, CheckpointWeights, type Kernels, OnnxKernels, ReferenceKernels, SafetensorsFile, TensorParams } from "@paligemma-ts/tensor";
import { afterAll } from "vitest";

export const fixture = (name: string, file: string) => fileURLToPath(new URL(`../../../fixtures/${name}/${file}`, import.meta.url));

/** config.json (parsed), model.safetensors and golden.safetensors of a fixture; closed by afterAll. */
export function openFixture(name: string) {
  const config = JSON.parse(readFileSync(fixture(name, "config.json"), "utf8"));
  const ckpt = Checkpoint.open(fixture(name, "model.safetensors"));
  const golden = SafetensorsFile.open(fixture(name, "golden.safetensors"));
  afterAll(() => {
    ckpt.close();
    golden.close();
  });
  return { config, ckpt, golden };
}

/** Reference kernels (every tensor read into memory) or ONNX kernels (weights in place) over a checkpoint. */
export function kernelsFor(kind: "reference" | "onnx", ckpt: Checkpoint): Kernels {
  return kind === "onnx" ? new OnnxKernels(new CheckpointWeights(ckpt)) : new ReferenceKernels(TensorParams.fromCheckpoint(ckpt).get);
}
