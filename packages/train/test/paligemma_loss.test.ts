/**
 * paligemma_loss.test.ts — the training objective (the inference blocks chained, cross-entropy on
 * the suffix) on both Ops implementations, and against the inference path itself: the loss of a
 * batch must equal the suffix-length-weighted mean of `PaliGemma.score` over its rows, computed by
 * independent code (left padding, mergeImageFeatures, crossEntropy) on the same weights saved as a
 * Hugging Face checkpoint. Tolerance 1e-4 on losses of size ~7 (log of the vocabulary).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CLASSIC_LAYOUT, PaliGemma } from "@paligemma-ts/paligemma";
import { releaseAllSessions, runOps, seededRng } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { type TinySizes, TINY_SIZES, cachedTokenizer, initialWeights, lossInputs, makeBatch, paligemmaLoss, saveCheckpoint, splitExamples, tinyConfig, tinyConfigJson, worldConfig, worldTokenizerModel, loadWorldTokenizer } from "../src/index.ts";

afterAll(() => releaseAllSessions());

const SMALL: TinySizes = { ...TINY_SIZES, width: 32, visionLayers: 2, visionHeads: 2, visionMlp: 48, textLayers: 2, textHeads: 4, textKvHeads: 2, headDim: 12, textMlp: 40 };

describe("paligemmaLoss", async () => {
  const c = tinyConfig(SMALL);
  const weights = initialWeights(c, seededRng(1), 0.2); // larger than the 0.02 init so the logits are not flat
  const world = worldConfig();
  const tokenizer = await loadWorldTokenizer();
  const examples = splitExamples("train", 0, 3, world);
  const batch = makeBatch(examples, cachedTokenizer(tokenizer), world);
  const shape = { batch: 3, length: batch.length + 2, targets: 72 }; // 2 slots of padding beyond the longest row
  const inputs = lossInputs(batch, c, shape);
  const params = Object.fromEntries(weights);
  const loss = (kind: "reference" | "onnx") => runOps(kind, (ops, x) => paligemmaLoss(ops, c, CLASSIC_LAYOUT, x as never, shape.batch, shape.length).loss, inputs, params);

  it("eager and graph implementations give the same loss (atol 1e-4)", async () => {
    const [ref, onnx] = [(await loss("reference")).item(), (await loss("onnx")).item()];
    console.log(`loss: reference ${ref.toFixed(6)}, onnx ${onnx.toFixed(6)}, diff ${Math.abs(ref - onnx).toExponential(2)}`);
    expect(Math.abs(ref - onnx)).toBeLessThan(1e-4);
    expect(ref).toBeGreaterThan(1);
  });

  it("equals the suffix-weighted mean of PaliGemma.score on the saved checkpoint (atol 1e-4)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tiny-paligemma-"));
    try {
      saveCheckpoint(join(dir, "ckpt"), { config: tinyConfigJson(SMALL), tensors: weights, tokenizerModel: worldTokenizerModel() });
      const model = await PaliGemma.load(join(dir, "ckpt"), { backend: "reference" });
      let sum = 0;
      let count = 0;
      for (const e of examples) {
        const s = await model.score(e.image, e.prefix, e.suffix);
        sum += s.meanNll * s.suffixLength;
        count += s.suffixLength;
      }
      const want = sum / count;
      const got = (await loss("reference")).item();
      console.log(`loss ${got.toFixed(6)} vs mean score NLL ${want.toFixed(6)} over ${count} targets`);
      expect(Math.abs(got - want)).toBeLessThan(1e-4);
      await model.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
