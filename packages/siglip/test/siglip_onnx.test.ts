/**
 * siglip_onnx.test.ts — the fused ONNX SigLIP tower (one session per block) vs the golden traces of
 * both fixtures (float32 weights referenced in place; bfloat16 weights converted) and vs the
 * reference tower on random weights with an awkward shape (head_dim 12 = not a power of two, 3 heads,
 * batch 2). Tolerance: max-abs 1e-4 vs the PyTorch goldens, 2e-5 vs the TS reference (values O(1)).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Checkpoint, CheckpointWeights, type Tensor, maxAbsDiff, randNormal, seededRng, writeSafetensors } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { SiglipOnnx, siglipEncoderLayerGraph, siglipVisionConfig, siglipVisionTower, siglipWeightSpecs, siglipWeights } from "../src/index.ts";
import { openFixture } from "./fixtures.ts";


describe.each(["paligemma-tiny", "paligemma2-tiny"])("ONNX SigLIP golden parity: %s", (name) => {
  const { config, ckpt, golden } = openFixture(name);
  const c = siglipVisionConfig(config.vision_config);

  it.each(["fused", "gemm"] as const)("every layer and last_hidden_state within 1e-4 (linear: %s)", async (linear) => {
    const tower = await SiglipOnnx.create(c, new CheckpointWeights(ckpt, { linear }));
    const traces = new Map<string, Tensor>();
    const out = await tower.forward(golden.read("pixel_values"), (n, t) => traces.set(n, t));
    for (const key of ["vision.embeddings", ...Array.from({ length: c.num_hidden_layers }, (_, i) => `vision.layer${i}`)]) {
      const d = maxAbsDiff(traces.get(key)!, golden.read(`trace.${key}`));
      console.log(`${name} onnx(${linear}) ${key}: maxdiff ${d.toExponential(2)}`);
      expect(d, key).toBeLessThan(1e-4);
    }
    const d = maxAbsDiff(out, golden.read("vision_last_hidden_state"));
    console.log(`${name} onnx(${linear}) vision_last_hidden_state: maxdiff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    await tower.dispose();
  });
});

describe("ONNX SigLIP vs the reference on random weights", () => {
  const c = siglipVisionConfig({ hidden_size: 36, intermediate_size: 50, num_attention_heads: 3, num_hidden_layers: 2, image_size: 30, patch_size: 5 });
  const dir = mkdtempSync(join(tmpdir(), "siglip-onnx-"));
  const rng = seededRng(7);
  const tensors: Record<string, Tensor> = {};
  for (const s of siglipWeightSpecs(c)) tensors[s.name] = randNormal(s.shape, rng, s.name.includes("norm") ? 0.5 : 0.2, s.name.endsWith("norm1.weight") || s.name.endsWith("norm2.weight") ? 1 : 0);
  const file = join(dir, "model.safetensors");
  writeSafetensors(file, tensors);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("batch of 2, head_dim 12: the fused tower matches siglipVisionTower within 2e-5", async () => {
    const ckpt = Checkpoint.open(file);
    const tower = await SiglipOnnx.create(c, new CheckpointWeights(ckpt));
    const pixels = randNormal([2, 3, 30, 30], seededRng(3));
    const ref = siglipVisionTower(pixels, siglipWeights((n) => tensors[n], c), c);
    const d = maxAbsDiff(await tower.forward(pixels), ref);
    console.log(`random SigLIP onnx vs reference: maxdiff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(2e-5);
    await tower.dispose();
    ckpt.close();
  });

  it("weights are external initializers pointing into model.safetensors (no bytes in the model)", () => {
    const ckpt = Checkpoint.open(file);
    const g = siglipEncoderLayerGraph(c, new CheckpointWeights(ckpt), 0);
    expect(g.toBytes().length).toBeLessThan(8192); // 36x36 q/k/v/out + 36x50 fc1/fc2 floats would be ~26 KB
    ckpt.close();
  });
});
