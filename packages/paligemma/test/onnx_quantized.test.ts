/**
 * onnx_quantized.test.ts — the quality cost of quantized weights on both fixtures, measured against
 * the float32 PyTorch goldens, and the disk cache that makes quantization a one-time cost. The public
 * dtypes, then plans edited from them (the plan is plain data, quantization_plan.ts):
 *   int4        decoder + LM head MatMulNBits int4 (block 128, accuracy_level 4)
 *   int8        decoder per-channel int8 DynamicQuantizeMatMul, LM head MatMulNBits int4
 *   int8-lowmem int8 with each MLP down_proj MatMulNBits int4
 *   int8 head-int8               the LM head MatMulNBits int8
 *   int8-nbits head-int8         decoder + LM head MatMulNBits int8 (the previous int8 path)
 * and in all of them the vision tower's linears per-channel int8 (DynamicQuantizeMatMul), checked
 * separately: vision_last_hidden_state max-abs < 0.5 (golden values reach |~4|), and once with the
 * vision tower in float32 ("+f32 vision") so the decoder's own cost stays visible.
 * The printed numbers are the measured cost (fixture logits reach |4.2|; random tiny weights have no
 * outlier structure, so rounding errors are large relative to real checkpoints). The bounds are
 * guards against gross breakage (a weight quantized under the wrong name, scales misread); the
 * exact MatMulNBits layout is checked in packages/tensor/test/matmul_nbits.test.ts:
 *   int8 (LM head int8):      prefill logits max-abs < 0.5, |mean_suffix_nll - golden| < 0.1
 *   int8 (LM head int4):      prefill logits max-abs < 1,   |mean_suffix_nll - golden| < 0.2
 *   any int4 decoder linear:  prefill logits max-abs < 4,   |mean_suffix_nll - golden| < 0.5
 * Greedy ids are reported, not asserted: the golden top-2 margins go down to 0.006.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LinearForm, type LinearPlan, maxAbsDiff } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { PaliGemma, type WeightDType, quantizationPlan } from "../src/index.ts";
import { FIXTURES, fixtureDir, readGolden } from "./fixtures.ts";

const cacheRoot = mkdtempSync(join(tmpdir(), "paligemma-qcache-"));
afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

// int8 everywhere / int8 with the int4 LM head (the default) / any int4 decoder linear
const BOUNDS = { int8: { logits: 0.5, nll: 0.1 }, int8head4: { logits: 1, nll: 0.2 }, int4: { logits: 4, nll: 0.5 } };
const VISION_BOUND = 0.5;
interface Variant {
  dtype: WeightDType;
  /** Edit the dtype's plan (an experiment); absent = the dtype as users get it. */
  edit?: (plan: Record<string, LinearForm>, name: string) => LinearForm | undefined;
  bound: keyof typeof BOUNDS;
  f32Vision?: boolean;
}
const NBITS8: LinearForm = { kind: "nbits", bits: 8, blockSize: 128, accuracyLevel: 4 };
const isHead = (n: string) => n.endsWith("embed_tokens.weight");
const isVision = (n: string) => n.startsWith("vision_tower.");
const VARIANTS: Record<string, Variant> = {
  int8: { dtype: "int8", bound: "int8head4" },
  "int8-lowmem": { dtype: "int8-lowmem", bound: "int4" },
  int4: { dtype: "int4", bound: "int4" },
  "int8 head-int8": { dtype: "int8", bound: "int8", edit: (p, n) => (isHead(n) ? NBITS8 : p[n]) },
  "int8-nbits head-int8": { dtype: "int8", bound: "int8", edit: (p, n) => (isVision(n) ? p[n] : NBITS8) },
  "int8 f32-vision": { dtype: "int8", bound: "int8head4", f32Vision: true, edit: (p, n) => (isVision(n) ? undefined : p[n]) },
  "int4 f32-vision": { dtype: "int4", bound: "int4", f32Vision: true, edit: (p, n) => (isVision(n) ? undefined : p[n]) },
};

describe.each(FIXTURES.flatMap((f) => Object.keys(VARIANTS).map((v) => [f, v] as const)))("quantized model: %s %s", (name, variant) => {
  it("vision hidden state, logits and greedy ids vs the float32 golden", async () => {
    const golden = readGolden(name);
    const v = VARIANTS[variant];
    const opened = await PaliGemma.open(fixtureDir(name));
    let plan: LinearPlan | undefined;
    if (v.edit) {
      const base = quantizationPlan(v.dtype, opened.config, opened.layout) as Record<string, LinearForm>;
      plan = Object.fromEntries(Object.keys(base).flatMap((n) => {
        const f = v.edit!(base, n);
        return f ? [[n, f]] : [];
      }));
    }
    const model = await PaliGemma.load(opened, { dtype: v.dtype, plan, cacheRoot });
    const hidden = await model.runVision(golden.read("pixel_values"));
    const dv = maxAbsDiff(hidden, golden.read("vision_last_hidden_state"));
    console.log(`${name} ${variant}: vision_last_hidden_state maxdiff ${dv.toExponential(2)}`);
    expect(dv).toBeLessThan(v.f32Vision ? 1e-3 : VISION_BOUND);
    if (!v.f32Vision) expect(dv).toBeGreaterThan(1e-4); // the vision tower really is quantized
    let worst = 0;
    for (const [i, c] of golden.cases.entries()) {
      const logits = await model.prefillLogits(golden.read("pixel_values"), [c.input_ids]);
      const d = maxAbsDiff(logits, golden.read(`case${i}.prefill_logits`));
      worst = Math.max(worst, d);
      const out = await model.generate({ images: golden.read("pixel_values"), prompts: [c.prompt], maxNewTokens: 12, ignoreEos: true });
      const same = out.generatedIds[0].findIndex((id, k) => id !== c.greedy_ids[k]);
      const agree = same === -1 ? 12 : same;
      console.log(`${name} ${variant} case${i}: prefill logits maxdiff ${d.toExponential(2)}, greedy ids agree for ${agree}/12 steps (golden min top-2 margin ${c.min_top2_margin.toFixed(4)})`);
    }
    const s = golden.score;
    const sc = await model.score(golden.read("pixel_values"), s.prefix, s.suffix);
    console.log(`${name} ${variant}: mean_suffix_nll ${sc.meanNll.toFixed(5)} vs ${s.mean_suffix_nll.toFixed(5)} (diff ${Math.abs(sc.meanNll - s.mean_suffix_nll).toExponential(2)})`);
    const bound = BOUNDS[v.bound];
    expect(worst).toBeLessThan(bound.logits);
    expect(worst).toBeGreaterThan(1e-4); // the decoder really is quantized
    expect(Math.abs(sc.meanNll - s.mean_suffix_nll)).toBeLessThan(bound.nll);
    await model.dispose();
    opened.close();
  });
});

describe("quantized-weight disk cache", () => {
  it("is written once and reused (files untouched by a second load)", async () => {
    const name = "paligemma-tiny";
    const own = join(cacheRoot, "reuse"); // a fresh root: the tests above filled theirs
    const first = await PaliGemma.load(fixtureDir(name), { dtype: "int4", cacheRoot: own });
    const dir = join(own, "weights", readdirSync(join(own, "weights"))[0]);
    const files = readdirSync(dir).filter((f) => f.endsWith(".int4b128.safetensors"));
    expect(files.length).toBe(2 * 7 + 1); // 2 layers x (q, k, v, o, gate, up, down) + the tied LM head
    expect(readdirSync(dir).filter((f) => f.endsWith(".int8ch.safetensors")).length).toBe(2 * 6); // 2 vision blocks x (q, k, v, out, fc1, fc2)
    const mtimes = files.map((f) => statSync(join(dir, f)).mtimeMs);
    const second = await PaliGemma.load(fixtureDir(name), { dtype: "int4", cacheRoot: own });
    expect(files.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(mtimes);
    for (const m of [first, second]) await m.dispose();
  });
});
