import { Tensor, maxAbsDiff, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { numPatches, siglipVisionConfig, siglipVisionTower, siglipWeightSpecs, siglipWeights } from "../src/index.ts";
import { openFixture } from "./fixtures.ts";

const TOL = 1e-4; // max-abs vs the PyTorch float32 reference

describe.each(["paligemma-tiny", "paligemma2-tiny"])("SigLIP tower golden parity: %s", (name) => {
  const { config, ckpt, golden } = openFixture(name);
  const c = siglipVisionConfig(config.vision_config);

  it("checkpoint holds every expected tensor with the expected shape", () => {
    for (const s of siglipWeightSpecs(c)) expect(ckpt.info(s.name).shape, s.name).toEqual(s.shape);
  });

  it("embeddings, every layer and last_hidden_state match within 1e-4", () => {
    const w = siglipWeights((n) => ckpt.read(n).to("float32"), c);
    const traces = new Map<string, Tensor>();
    const out = siglipVisionTower(golden.read("pixel_values").to("float32"), w, c, (n, t) => traces.set(n, t));
    expect(out.shape).toEqual([1, numPatches(c), c.hidden_size]);
    for (const key of ["vision.embeddings", ...Array.from({ length: c.num_hidden_layers }, (_, i) => `vision.layer${i}`)]) {
      const d = maxAbsDiff(traces.get(key)!, golden.read(`trace.${key}`));
      console.log(`${name} ${key}: maxdiff ${d.toExponential(2)}`);
      expect(d, key).toBeLessThan(TOL);
    }
    const d = maxAbsDiff(out, golden.read("vision_last_hidden_state"));
    console.log(`${name} vision_last_hidden_state: maxdiff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
  });

  it("batches images independently", () => {
    const w = siglipWeights((n) => ckpt.read(n).to("float32"), c);
    const a = golden.read("pixel_values").to("float32");
    const b = randNormal(a.shape, seededRng(1));
    const both = siglipVisionTower(Tensor.concat([a, b], 0), w, c);
    expect(maxAbsDiff(both.slice(0, 0, 1), siglipVisionTower(a, w, c))).toBeLessThan(1e-6);
    expect(maxAbsDiff(both.slice(0, 1, 2), siglipVisionTower(b, w, c))).toBeLessThan(1e-6);
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
