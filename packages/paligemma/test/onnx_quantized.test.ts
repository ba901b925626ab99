/**
 * onnx_quantized.test.ts — the quality cost of weight-only int8 / int4 decoder weights (MatMulNBits,
 * block 128, accuracy_level 4) on both fixtures, measured against the float32 PyTorch goldens, and
 * the disk cache that makes quantization a one-time cost.
 * The printed numbers are the measured cost (fixture logits reach |4.2|; random tiny weights have no
 * outlier structure, so rounding errors are large relative to real checkpoints). The bounds are
 * guards against gross breakage (a weight quantized under the wrong name, scales misread); the
 * exact MatMulNBits layout is checked in packages/tensor/test/matmul_nbits.test.ts:
 *   int8: prefill logits max-abs < 0.5, |mean_suffix_nll - golden| < 0.1
 *   int4: prefill logits max-abs < 4,   |mean_suffix_nll - golden| < 0.5
 * Greedy ids are reported, not asserted: the golden top-2 margins go down to 0.006.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { maxAbsDiff } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { PaliGemma, type WeightDType, loadOnnxBackends } from "../src/index.ts";
import { FIXTURES, fixtureDir, readGolden } from "./fixtures.ts";

const cacheRoot = mkdtempSync(join(tmpdir(), "paligemma-qcache-"));
afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

const BOUNDS: Record<string, { logits: number; nll: number }> = { int8: { logits: 0.5, nll: 0.1 }, int4: { logits: 4, nll: 0.5 } };

describe.each(FIXTURES.flatMap((f) => (["int8", "int4"] as const).map((d) => [f, d] as const)))("quantized decoder: %s %s", (name, dtype) => {
  it("logits and greedy ids vs the float32 golden", async () => {
    const golden = readGolden(name);
    const base = await PaliGemma.load(fixtureDir(name), { backend: "onnx" });
    const { vision, decoder } = await loadOnnxBackends(fixtureDir(name), base.config, { dtype: dtype as WeightDType, cacheRoot });
    const model = PaliGemma.fromBackends(base.config, base.tokenizer, vision, decoder);
    await base.dispose();
    let worst = 0;
    for (const [i, c] of golden.cases.entries()) {
      const logits = await model.prefillLogits(golden.read("pixel_values"), [c.input_ids]);
      const d = maxAbsDiff(logits, golden.read(`case${i}.prefill_logits`));
      worst = Math.max(worst, d);
      const out = await model.generate({ images: golden.read("pixel_values"), prompts: [c.prompt], maxNewTokens: 12, ignoreEos: true });
      const same = out.generatedIds[0].findIndex((id, k) => id !== c.greedy_ids[k]);
      const agree = same === -1 ? 12 : same;
      console.log(`${name} ${dtype} case${i}: prefill logits maxdiff ${d.toExponential(2)}, greedy ids agree for ${agree}/12 steps (golden min top-2 margin ${c.min_top2_margin.toFixed(4)})`);
    }
    const s = golden.score;
    const sc = await model.score(golden.read("pixel_values"), s.prefix, s.suffix);
    console.log(`${name} ${dtype}: mean_suffix_nll ${sc.meanNll.toFixed(5)} vs ${s.mean_suffix_nll.toFixed(5)} (diff ${Math.abs(sc.meanNll - s.mean_suffix_nll).toExponential(2)})`);
    expect(worst).toBeLessThan(BOUNDS[dtype].logits);
    expect(Math.abs(sc.meanNll - s.mean_suffix_nll)).toBeLessThan(BOUNDS[dtype].nll);
    await model.dispose();
  });
});

describe("quantized-weight disk cache", () => {
  it("is written once and reused (files untouched by a second load)", async () => {
    const name = "paligemma-tiny";
    const base = await PaliGemma.load(fixtureDir(name), { backend: "onnx" });
    const own = join(cacheRoot, "reuse"); // a fresh root: the tests above filled theirs
    const first = await loadOnnxBackends(fixtureDir(name), base.config, { dtype: "int4", cacheRoot: own });
    const dir = join(own, "weights", readdirSync(join(own, "weights"))[0]);
    const files = readdirSync(dir).filter((f) => f.endsWith(".int4b128.safetensors"));
    expect(files.length).toBe(2 * 7 + 1); // 2 layers x (q, k, v, o, gate, up, down) + the tied LM head
    const mtimes = files.map((f) => statSync(join(dir, f)).mtimeMs);
    const second = await loadOnnxBackends(fixtureDir(name), base.config, { dtype: "int4", cacheRoot: own });
    expect(files.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(mtimes);
    for (const b of [first, second]) await Promise.all([b.vision.dispose(), b.decoder.dispose()]);
    await base.dispose();
  });
});
