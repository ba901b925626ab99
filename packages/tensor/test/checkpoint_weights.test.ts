/**
 * checkpoint_weights.test.ts — CheckpointWeights: float32 weights referenced in place (the model
 * bytes stay small), bf16 converted, `linear` (fused and gemm) equal to x W^T + b, and a Hugging
 * Face-style snapshot whose model.safetensors is a symlink into another folder (ORT refuses external
 * data that escapes the model folder, so the real path must be used), and large bf16 weights
 * widened once into the disk cache. Tolerance 1e-5 (values O(1)).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint, CheckpointWeights, type CheckpointWeightsOptions, Graph, type LinearKind, type Tensor, add, createSession, linear, maxAbsDiff, randNormal, seededRng, writeSafetensors } from "../src/index.ts";

describe("CheckpointWeights", () => {
  const root = mkdtempSync(join(tmpdir(), "ckpt-weights-"));
  const rng = seededRng(3);
  const w = randNormal([24, 40], rng);
  const b = randNormal([24], rng);
  mkdirSync(join(root, "blobs"));
  mkdirSync(join(root, "snapshot"));
  writeSafetensors(join(root, "blobs", "abc123"), { "fc.weight": w, "fc.bias": b, "half.weight": w.to("bfloat16") });
  symlinkSync(join(root, "blobs", "abc123"), join(root, "snapshot", "model.safetensors"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function run(kind: LinearKind, weight: string, x: Tensor, options: CheckpointWeightsOptions = {}): Promise<{ y: Tensor; modelBytes: number }> {
    const ckpt = Checkpoint.open(join(root, "snapshot"));
    const cw = new CheckpointWeights(ckpt, { linear: kind, ...options });
    const g = new Graph("fc");
    g.output(cw.linear(g, g.input("x", "float32", ["B", "T", 40]), weight, "fc.bias"), "y");
    const modelBytes = g.toBytes().length;
    const s = await createSession(g, cw.sessionOptions());
    const y = (await s.run({ x })).y;
    await s.dispose();
    ckpt.close();
    return { y, modelBytes };
  }

  it.each(["fused", "gemm"] as const)("linear (%s) through a symlinked snapshot equals x W^T + b; float32 stays external", async (kind) => {
    const x = randNormal([2, 3, 40], rng);
    const { y, modelBytes } = await run(kind, "fc.weight", x);
    const d = maxAbsDiff(y, linear(x, w, b));
    console.log(`CheckpointWeights ${kind}: maxdiff ${d.toExponential(2)}, model ${modelBytes} bytes`);
    expect(y.shape).toEqual([2, 3, 24]);
    expect(d).toBeLessThan(1e-5);
    expect(modelBytes).toBeLessThan(24 * 40 * 4); // the weight is not inside the model
  });

  it("bfloat16 weights are converted to float32 once and embedded", async () => {
    const x = randNormal([1, 2, 40], rng);
    const { y, modelBytes } = await run("fused", "half.weight", x);
    expect(maxAbsDiff(y, add(linear(x, w.to("bfloat16").to("float32")), b))).toBeLessThan(1e-5);
    expect(modelBytes).toBeGreaterThan(24 * 40 * 4);
  });

  it("large bfloat16 weights are widened once into the disk cache and referenced from there", async () => {
    const cacheRoot = join(root, "cache");
    const x = randNormal([1, 2, 40], rng);
    const expected = add(linear(x, w.to("bfloat16").to("float32")), b);
    const first = await run("fused", "half.weight", x, { cacheRoot, embedBelowBytes: 0 });
    expect(maxAbsDiff(first.y, expected)).toBeLessThan(1e-5);
    expect(first.modelBytes).toBeLessThan(24 * 40 * 4); // external, from the cache
    const dir = join(cacheRoot, "weights", readdirSync(join(cacheRoot, "weights"))[0]);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(["fc.bias.f32.safetensors", "half.weight.f32.safetensors"]); // the bias too: one folder per session
    const mtime = statSync(join(dir, files[1])).mtimeMs;
    const second = await run("fused", "half.weight", x, { cacheRoot, embedBelowBytes: 0 });
    expect(maxAbsDiff(second.y, expected)).toBeLessThan(1e-5);
    expect(statSync(join(dir, files[1])).mtimeMs).toBe(mtime);
  });

  it("float32 sessions map weights without prepacking; quantized ones prepack", () => {
    const ckpt = Checkpoint.open(join(root, "snapshot"));
    expect(new CheckpointWeights(ckpt, { cacheRoot: null }).sessionOptions().disablePrepacking).toBe(true);
    expect(new CheckpointWeights(ckpt, { cacheRoot: null, quantize: { bits: 4 } }).sessionOptions().disablePrepacking).toBe(false);
    ckpt.close();
  });

  it("knows which tensors are used in place", () => {
    const ckpt = Checkpoint.open(join(root, "snapshot"));
    const cw = new CheckpointWeights(ckpt, { cacheRoot: null });
    expect([cw.inPlace("fc.weight"), cw.inPlace("half.weight")]).toEqual([true, false]);
    expect(cw.folder).toBe(join(root, "blobs"));
    ckpt.close();
  });
});

