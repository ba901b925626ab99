/**
 * vision_tower.test.ts — the SigLIP tower (each block written once against Ops) on both kernel sets:
 * 1. Golden parity on both fixtures (float32 weights in place; bfloat16 weights widened): the
 *    embeddings, every layer and last_hidden_state within max-abs 1e-4 of PyTorch, reference and onnx.
 * 2. Random weights at an awkward shape (head_dim 12, 3 heads, patch 5, batch 2): onnx vs reference
 *    within 2e-5 (values O(1)); rows of a batch are independent; weights stay out of the ONNX model
 *    bytes (external data into model.safetensors).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Checkpoint, CheckpointWeights, OnnxKernels, ReferenceKernels, Tensor, TensorParams, blockGraph, checkpointKernels, maxAbsDiff, randNormal, releaseAllSessions, seededRng, writeSafetensors } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { SiglipVisionModel, numPatches, siglipBlocks, siglipVisionConfig, siglipWeightSpecs } from "../src/index.ts";
import { openFixture } from "./fixtures.ts";

afterAll(() => releaseAllSessions());

const TOL = 1e-4; // max-abs vs the PyTorch float32 reference

describe.each(["paligemma-tiny", "paligemma2-tiny"])("SigLIP tower golden parity: %s", (name) => {
  const { config, ckpt, golden } = openFixture(name);
  const c = siglipVisionConfig(config.vision_config);

  it("checkpoint holds every expected tensor with the expected shape", () => {
    for (const s of siglipWeightSpecs(c)) expect(ckpt.info(s.name).shape, s.name).toEqual(s.shape);
  });

  it.each(["reference", "onnx"] as const)("%s kernels: embeddings, every layer and last_hidden_state within 1e-4", async (kind) => {
    const tower = await SiglipVisionModel.create(checkpointKernels(kind, ckpt), c);
    const traces = new Map<string, Tensor>();
    const out = await tower.forward(golden.read("pixel_values"), (n, t) => traces.set(n, t));
    expect(out.shape).toEqual([1, numPatches(c), c.hidden_size]);
    for (const key of ["vision.embeddings", ...Array.from({ length: c.num_hidden_layers }, (_, i) => `vision.layer${i}`)]) {
      const d = maxAbsDiff(traces.get(key)!, golden.read(`trace.${key}`));
      console.log(`${name} ${kind} ${key}: maxdiff ${d.toExponential(2)}`);
      expect(d, key).toBeLessThan(TOL);
    }
    const d = maxAbsDiff(out, golden.read("vision_last_hidden_state"));
    console.log(`${name} ${kind} vision_last_hidden_state: maxdiff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
    await tower.dispose();
  });
});

describe("SigLIP on random weights, awkward shape", () => {
  const c = siglipVisionConfig({ hidden_size: 36, intermediate_size: 50, num_attention_heads: 3, num_hidden_layers: 2, image_size: 30, patch_size: 5 });
  const dir = mkdtempSync(join(tmpdir(), "siglip-"));
  const rng = seededRng(7);
  const tensors: Record<string, Tensor> = {};
  for (const s of siglipWeightSpecs(c)) tensors[s.name] = randNormal(s.shape, rng, s.name.includes("norm") ? 0.5 : 0.2, s.name.endsWith("norm1.weight") || s.name.endsWith("norm2.weight") ? 1 : 0);
  const file = join(dir, "model.safetensors");
  writeSafetensors(file, tensors);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("batch of 2, head_dim 12: onnx kernels match the reference within 2e-5; rows are independent", async () => {
    const ckpt = Checkpoint.open(file);
    const onnx = await SiglipVisionModel.create(new OnnxKernels(new CheckpointWeights(ckpt)), c);
    const ref = await SiglipVisionModel.create(new ReferenceKernels(new TensorParams(tensors).get), c);
    const pixels = randNormal([2, 3, 30, 30], seededRng(3));
    const want = await ref.forward(pixels);
    const d = maxAbsDiff(await onnx.forward(pixels), want);
    console.log(`random SigLIP onnx vs reference: maxdiff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(2e-5);
    expect(maxAbsDiff(want.slice(0, 1, 2), await ref.forward(pixels.slice(0, 1, 2)))).toBeLessThan(1e-6);
    await onnx.dispose();
    ckpt.close();
  });

  it("weights are external initializers pointing into model.safetensors (no bytes in the model)", () => {
    const ckpt = Checkpoint.open(file);
    const { graph } = blockGraph(siglipBlocks(c)[1], new CheckpointWeights(ckpt));
    expect(graph.toBytes().length).toBeLessThan(8192); // 36x36 q/k/v/out + 36x50 fc1/fc2 floats would be ~26 KB
    ckpt.close();
  });

  it("a wrong image size is refused naming the expected shape", async () => {
    const tower = await SiglipVisionModel.create(new ReferenceKernels(new TensorParams(tensors).get), c);
    await expect(tower.forward(Tensor.zeros([1, 3, 32, 32]))).rejects.toThrow(/\[B, 3, 30, 30\]/);
  });
});

describe("siglipVisionConfig", () => {
  it("fills Hugging Face SiglipVisionConfig defaults", () => {
    const c = siglipVisionConfig({ hidden_size: 32, num_attention_heads: 4, patch_size: 14 });
    expect(c.image_size).toBe(224);
    expect(c.layer_norm_eps).toBe(1e-6);
    expect(c.num_channels).toBe(3);
    expect(numPatches(c)).toBe(256);
    expect(siglipVisionConfig({}).patch_size).toBe(16);
  });
  it("rejects inconsistent shapes and unknown activations", () => {
    expect(() => siglipVisionConfig({ image_size: 50, patch_size: 14 })).toThrow(/multiple of patch_size/);
    expect(() => siglipVisionConfig({ hidden_act: "quick_gelu" })).toThrow(/hidden_act/);
    expect(() => siglipVisionConfig({ hidden_size: "big" })).toThrow(/vision_config.hidden_size must be a number/);
  });
});
