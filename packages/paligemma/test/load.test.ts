/**
 * load.test.ts — strict checkpoint loading: broken copies of a fixture give one typed error naming
 * every bad tensor; dtype, sharding and naming-layout variants give the same logits.
 */
import { Tensor, maxAbsDiff } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { CheckpointError, PaliGemma, loadPaliGemmaConfig, paliGemmaWeightSpecs } from "../src/index.ts";
import { cleanCopies, readAll, writeCopy } from "./checkpoint_copies.ts";
import { fixtureDir, readGolden } from "./fixtures.ts";

afterAll(cleanCopies);

async function loadError(dir: string): Promise<CheckpointError> {
  const err = await PaliGemma.load(dir).then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(CheckpointError);
  console.log((err as Error).message);
  return err as CheckpointError;
}

describe("broken checkpoints throw CheckpointError naming every bad tensor", () => {
  const name = "paligemma-tiny";
  const good = () => readAll(name);
  const UP = "language_model.model.layers.1.mlp.up_proj.weight";
  const PROJ = "multi_modal_projector.linear.weight";

  it("missing tensor", async () => {
    const t = good();
    delete t[UP];
    const err = await loadError(writeCopy(name, t));
    expect(err.problems).toEqual([{ name: UP, kind: "missing", expected: "[128, 64]" }]);
    expect(err.message).toContain(UP);
    expect(err.code).toBe("E_CHECKPOINT");
  });

  it("mis-shaped tensor", async () => {
    const t = good();
    t[PROJ] = Tensor.zeros([64, 31]);
    const err = await loadError(writeCopy(name, t));
    expect(err.problems).toEqual([{ name: PROJ, kind: "shape", expected: "[64, 32]", actual: "[64, 31]" }]);
    expect(err.message).toMatch(/multi_modal_projector\.linear\.weight \(expected \[64, 32\], got \[64, 31\]\)/);
  });

  it("unexpected tensor, and a non-float dtype", async () => {
    const t = good();
    t["vision_tower.vision_model.head.probe"] = Tensor.zeros([1, 1, 32]);
    t["language_model.model.norm.weight"] = Tensor.zeros([64], "int32");
    const err = await loadError(writeCopy(name, t));
    expect(err.problems).toContainEqual({ name: "vision_tower.vision_model.head.probe", kind: "unexpected", actual: "[1, 1, 32]" });
    expect(err.problems).toContainEqual({ name: "language_model.model.norm.weight", kind: "dtype", expected: "float32, bfloat16 or float16", actual: "int32" });
  });

  it("collects all problems before throwing once", async () => {
    const t = good();
    delete t[UP];
    t[PROJ] = Tensor.zeros([64, 31]);
    t["extra.weight"] = Tensor.zeros([2]);
    const err = await loadError(writeCopy(name, t));
    expect(err.problems.map((p) => `${p.kind} ${p.name}`).sort()).toEqual([`missing ${UP}`, `shape ${PROJ}`, "unexpected extra.weight"].sort());
    for (const n of [UP, PROJ, "extra.weight"]) expect(err.message).toContain(n);
  });

  it("a stored lm_head must equal embed_tokens", async () => {
    const t = good();
    t["language_model.lm_head.weight"] = t["language_model.model.embed_tokens.weight"].clone();
    await expect(PaliGemma.load(writeCopy(name, t))).resolves.toBeInstanceOf(PaliGemma);
    const lm = t["language_model.lm_head.weight"];
    (lm.data as Float32Array)[5] += 1;
    const err = await loadError(writeCopy(name, t));
    expect(err.problems).toEqual([expect.objectContaining({ name: "language_model.lm_head.weight", kind: "untied" })]);
  });
});

describe("checkpoint variants give the same logits", () => {
  const name = "paligemma2-tiny"; // stored in bf16: converting to f32 is exact
  const golden = readGolden(name);
  const c0 = golden.cases[0];
  const logitsOf = async (dir: string) => {
    const m = await PaliGemma.load(dir);
    return m.prefillLogits(golden.read("pixel_values"), [c0.input_ids]);
  };

  it("bf16 original, f32, f16, 3 shards, mixed dtypes and the transformers >= 4.52 names", async () => {
    const base = await logitsOf(fixtureDir(name));
    const t = readAll(name);
    const as = (dtype: "float32" | "float16") => Object.fromEntries(Object.entries(t).map(([n, x]) => [n, x.to(dtype)]));
    const mixed = Object.fromEntries(Object.entries(t).map(([n, x], i) => [n, x.to((["float32", "bfloat16", "float16"] as const)[i % 3])]));
    const modern = Object.fromEntries(
      Object.entries(t).map(([n, x]) => [n.replace(/^language_model\.model\./, "model.language_model.").replace(/^(vision_tower|multi_modal_projector)\./, "model.$1."), x]),
    );
    const variants: [string, string, number][] = [
      ["float32", writeCopy(name, as("float32")), 0],
      ["sharded x3", writeCopy(name, t, 3), 0],
      ["modern names", writeCopy(name, modern), 0],
      ["float16", writeCopy(name, as("float16")), 1e-4],
      ["mixed dtypes, 2 shards", writeCopy(name, mixed, 2), 1e-4],
    ];
    for (const [label, dir, tol] of variants) {
      const d = maxAbsDiff(await logitsOf(dir), base);
      console.log(`${name} ${label}: logits maxdiff vs bf16 original ${d.toExponential(2)} (tolerance ${tol})`);
      expect(d, label).toBeLessThanOrEqual(tol);
    }
    expect(maxAbsDiff(base, golden.read("case0.prefill_logits"))).toBeLessThan(1e-4);
  });

  it("an f32 checkpoint stored as bf16 equals the f32 model with bf16-rounded weights", async () => {
    const t = readAll("paligemma-tiny");
    const bf16 = Object.fromEntries(Object.entries(t).map(([n, x]) => [n, x.to("bfloat16")]));
    const rounded = Object.fromEntries(Object.entries(bf16).map(([n, x]) => [n, x.to("float32")]));
    const g = readGolden("paligemma-tiny");
    const run = async (dir: string) => (await PaliGemma.load(dir)).prefillLogits(g.read("pixel_values"), [g.cases[0].input_ids]);
    const a = await run(writeCopy("paligemma-tiny", bf16));
    expect(maxAbsDiff(a, await run(writeCopy("paligemma-tiny", rounded)))).toBe(0);
    console.log(`paligemma-tiny in bf16 vs f32 golden: logits maxdiff ${maxAbsDiff(a, g.read("case0.prefill_logits")).toExponential(2)} (weights rounded, not a parity check)`);
  });
});

describe("load progress", () => {
  const BLOCKS = 1 + 2 + 1 + 2 + 1 + 1; // LM head + 2 text layers; SigLIP embeddings + 2 blocks + post-LN; projector

  it("reference: every expected tensor read, then every block compiled", async () => {
    const events: string[] = [];
    const m = await PaliGemma.load(fixtureDir("paligemma-tiny"), { backend: "reference", onProgress: (e) => events.push(`${e.stage} ${e.loaded}/${e.total}`) });
    expect(events[0]).toBe("check 0/1");
    const n = paliGemmaWeightSpecs(loadPaliGemmaConfig(fixtureDir("paligemma-tiny"))).length;
    expect(n).toBe(59); // 2 vision layers x 16 + 5, projector 2, 2 text layers x 9 + 2
    expect(events).toContain(`weights ${n}/${n}`);
    expect(events.at(-1)).toBe(`compile ${BLOCKS}/${BLOCKS}`);
    await m.dispose();
  });

  it("onnx (the default): one compile event per session, in order, nothing read into memory first", async () => {
    const events: string[] = [];
    const m = await PaliGemma.load(fixtureDir("paligemma-tiny"), { onProgress: (e) => events.push(`${e.stage} ${e.loaded}/${e.total} ${e.name ?? ""}`.trim()) });
    expect(events).toEqual(["check 0/1", ...Array.from({ length: BLOCKS }, (_, i) => expect.stringMatching(new RegExp(`^compile ${i + 1}/${BLOCKS} `)))]);
    expect(events[1]).toMatch(/lm_head/); // the largest weight first
    expect(events.at(-1)).toMatch(/multi_modal_projector/);
    await m.dispose();
  });
});
