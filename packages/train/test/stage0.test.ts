/**
 * stage0.test.ts — the contrastive stage: its loss on both Ops implementations (graph vs reference
 * kernels, SigLIP and CLIP), and a short training run whose loss must fall (small towers, 30 steps).
 */
import { releaseAllSessions, runOps, seededRng, Tensor, randNormal } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { STAGE0_DEFAULTS, type Stage0Settings, TINY_SIZES, dualEncoderConfig, stage0Spec, trainStage0 } from "../src/index.ts";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

afterAll(() => releaseAllSessions());

const SMALL: Stage0Settings = { ...STAGE0_DEFAULTS, batch: 8, textLayers: 1, embed: 16, sizes: { ...TINY_SIZES, width: 32, visionLayers: 1, visionHeads: 2, visionMlp: 48 } };

describe.each(["siglip", "clip"] as const)("stage 0 with the %s loss", (loss) => {
  it("the loss is the same on the graph and the reference kernels (atol 1e-4)", async () => {
    const st = { ...SMALL, loss };
    const c = dualEncoderConfig(st, TINY_SIZES.pieces + 1);
    const spec = stage0Spec(st, c);
    const rng = seededRng(5);
    const params = Object.fromEntries(spec.params.map((p) => [p.name, p.name.endsWith("logit_scale") ? Tensor.from([Math.log(10)]) : randNormal(p.shape, rng, 0.2)]));
    const ids = new Tensor("int64", [8, st.textLength], BigInt64Array.from({ length: 8 * st.textLength }, (_, i) => BigInt(1412 + (i % 60))));
    const inputs = { pixel_values: randNormal([8, 3, 64, 64], rng), text_ids: ids, eye: Tensor.from(Array.from({ length: 64 }, (_, i) => (i % 9 === 0 ? 1 : 0)), [8, 8]) };
    const [a, b] = [await runOps("reference", spec.loss, inputs, params), await runOps("onnx", spec.loss, inputs, params)];
    console.log(`${loss}: reference ${a.item().toFixed(6)}, onnx ${b.item().toFixed(6)}`);
    expect(Math.abs(a.item() - b.item())).toBeLessThan(1e-4);
  });

  it("30 training steps lower the loss on their batches", async () => {
    const dir = mkdtempSync(join(tmpdir(), `stage0-${loss}-`));
    try {
      const log = await trainStage0(dir, { ...SMALL, loss, steps: 30, warmup: 5, lr: 3e-3, evalEvery: 0, evalScenes: 24 });
      const head = log.slice(0, 5).reduce((s, r) => s + r.loss, 0) / 5;
      const tail = log.slice(-5).reduce((s, r) => s + r.loss, 0) / 5;
      console.log(`${loss}: mean loss of the first 5 steps ${head.toFixed(4)}, of the last 5 ${tail.toFixed(4)}; zero-shot ${(100 * log.at(-1)!.val!.zeroShot).toFixed(1)}%`);
      expect(tail).toBeLessThan(head);
      expect(existsSync(join(dir, "model.safetensors"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
