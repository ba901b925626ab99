/**
 * checkpoint_weights.test.ts — CheckpointWeights: float32 weights referenced in place (the model
 * bytes stay small), bf16 converted, each planned linear form (float, int8, int4) equal to
 * x W^T + b (quantized forms: to the dequantized weight), embedding rows read from the file, and a Hugging
 * Face-style snapshot whose model.safetensors is a symlink into another folder (ORT refuses external
 * data that escapes the model folder, so the real path must be used), and large bf16 weights
 * widened once into the disk cache, or (halfToFloat "fold" / "cast") cast from the checkpoint's own bytes
 * inside the graph. Tolerance 1e-5 (values O(1)).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint, CheckpointWeights, type CheckpointWeightsOptions, type LinearForm, type Tensor, add, blockGraph, createSession, linear, maxAbsDiff, randNormal, seededRng, writeSafetensors } from "../src/index.ts";

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

  async function run(weight: string, x: Tensor, options: CheckpointWeightsOptions = {}): Promise<{ y: Tensor; modelBytes: number }> {
    const ckpt = Checkpoint.open(join(root, "snapshot"));
    const cw = new CheckpointWeights(ckpt, options);
    const { graph, quantized } = blockGraph({ name: "fc", inputs: { x: { dtype: "float32", dims: ["B", "T", 40] } }, forward: (ops, i) => ({ y: ops.linear(i.x, { weight, bias: "fc.bias" }) }) }, cw);
    const modelBytes = graph.toBytes().length;
    const s = await createSession(graph, cw.sessionOptions(quantized));
    const y = (await s.run({ x })).y;
    await s.dispose();
    cw.close();
    ckpt.close();
    return { y, modelBytes };
  }

  it("a float linear through a symlinked snapshot equals x W^T + b; float32 stays external", async () => {
    const x = randNormal([2, 3, 40], rng);
    const { y, modelBytes } = await run("fc.weight", x);
    const d = maxAbsDiff(y, linear(x, w, b));
    console.log(`CheckpointWeights float: maxdiff ${d.toExponential(2)}, model ${modelBytes} bytes`);
    expect(y.shape).toEqual([2, 3, 24]);
    expect(d).toBeLessThan(1e-5);
    expect(modelBytes).toBeLessThan(24 * 40 * 4); // the weight is not inside the model
  });

  it.each([
    [{ kind: "int8" }, 0.03],
    [{ kind: "nbits", bits: 8, blockSize: 16 }, 0.03],
    [{ kind: "nbits", bits: 4, blockSize: 32 }, 0.25],
  ] as [LinearForm, number][])("planned form %j stays near x W^T + b (max-abs below %s of max |y|)", async (form, rel) => {
    const x = randNormal([2, 3, 40], rng);
    const { y } = await run("fc.weight", x, { plan: { "fc.weight": form }, cacheRoot: join(root, "qcache") });
    const want = linear(x, w, b);
    const d = maxAbsDiff(y, want);
    const top = Math.max(...want.toArray().map(Math.abs));
    console.log(`CheckpointWeights ${JSON.stringify(form)}: maxdiff vs float ${d.toExponential(2)} of max |y| ${top.toFixed(1)}`);
    expect(d).toBeLessThan(rel * top);
    expect(d).toBeGreaterThan(0); // it really is quantized
  });

  it("a plan naming a tensor the checkpoint lacks is refused", () => {
    const ckpt = Checkpoint.open(join(root, "snapshot"));
    expect(() => new CheckpointWeights(ckpt, { plan: { "nope.weight": { kind: "int8" } } })).toThrow(/nope\.weight/);
    ckpt.close();
  });

  it("rows reads embedding rows from the file, bf16 widened, equal to the table's rows", () => {
    const ckpt = Checkpoint.open(join(root, "snapshot"));
    const cw = new CheckpointWeights(ckpt, { cacheRoot: null });
    const rows = cw.rows("half.weight", [[3, 0], [23, 3]]); // [2, 2, 40]
    const table = w.to("bfloat16").to("float32");
    expect(rows.shape).toEqual([2, 2, 40]);
    expect(maxAbsDiff(rows.slice(0, 1, 2).reshape([2, 40]), table.gather([23, 3]))).toBe(0);
    expect(() => cw.rows("half.weight", [[24]])).toThrow(/24/);
    cw.close();
    ckpt.close();
  });

  it("bfloat16 weights are converted to float32 once and embedded", async () => {
    const x = randNormal([1, 2, 40], rng);
    const { y, modelBytes } = await run("half.weight", x);
    expect(maxAbsDiff(y, add(linear(x, w.to("bfloat16").to("float32")), b))).toBeLessThan(1e-5);
    expect(modelBytes).toBeGreaterThan(24 * 40 * 4);
  });

  it("large bfloat16 weights are widened once into the disk cache and referenced from there", async () => {
    const cacheRoot = join(root, "cache");
    const x = randNormal([1, 2, 40], rng);
    const expected = add(linear(x, w.to("bfloat16").to("float32")), b);
    const first = await run("half.weight", x, { cacheRoot, embedBelowBytes: 0 });
    expect(maxAbsDiff(first.y, expected)).toBeLessThan(1e-5);
    expect(first.modelBytes).toBeLessThan(24 * 40 * 4); // external, from the cache
    const dir = join(cacheRoot, "weights", readdirSync(join(cacheRoot, "weights"))[0]);
    const files = readdirSync(dir).filter((f) => f.endsWith(".safetensors")).sort();
    expect(files).toEqual(["fc.bias.f32.safetensors", "half.weight.f32.safetensors"]); // the bias too: one folder per session
    const mtime = statSync(join(dir, files[1])).mtimeMs;
    const second = await run("half.weight", x, { cacheRoot, embedBelowBytes: 0 });
    expect(maxAbsDiff(second.y, expected)).toBeLessThan(1e-5);
    expect(statSync(join(dir, files[1])).mtimeMs).toBe(mtime);
  });

  it.each(["fold", "cast"] as const)("halfToFloat %s binds a bf16 weight through a Cast from the checkpoint itself: no cache, same result as the cache", async (mode) => {
    const cacheRoot = join(root, `cache-${mode}`);
    const x = randNormal([1, 2, 40], rng);
    const viaCache = await run("half.weight", x, { cacheRoot: join(root, "cache-ref"), embedBelowBytes: 0 });
    const viaCast = await run("half.weight", x, { cacheRoot, embedBelowBytes: 0, halfToFloat: mode });
    expect(maxAbsDiff(viaCast.y, viaCache.y)).toBe(0); // bf16 -> f32 is exact either way
    expect(viaCast.modelBytes).toBeLessThan(24 * 40 * 2); // the bf16 bytes stay in the checkpoint
    expect(() => readdirSync(cacheRoot)).toThrow(); // no cache was made
    const ckpt = Checkpoint.open(join(root, "snapshot"));
    const cw = new CheckpointWeights(ckpt, { cacheRoot, embedBelowBytes: 0, halfToFloat: mode });
    expect(cw.sessionOptions(false).disabledOptimizers).toEqual(mode === "cast" ? ["ConstantFolding"] : undefined);
    ckpt.close();
  });

  it("float32 sessions map weights without prepacking; quantized ones prepack", () => {
    const ckpt = Checkpoint.open(join(root, "snapshot"));
    const cw = new CheckpointWeights(ckpt, { cacheRoot: null });
    expect([cw.sessionOptions(false).disablePrepacking, cw.sessionOptions(true).disablePrepacking]).toEqual([true, false]);
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

