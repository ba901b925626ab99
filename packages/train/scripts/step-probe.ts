// probe: time the fused training step at the default tiny size (not committed)
import { TrainStep, seededRng } from "@paligemma-ts/tensor";
import { TRAIN_DEFAULTS, cachedTokenizer, initialWeights, lossInputs, loadWorldTokenizer, makeBatch, splitExamples, tinyConfig, trainStepSpec, worldConfig } from "../src/index.ts";
const B = Number(process.argv[2] ?? 64);
const s = { ...TRAIN_DEFAULTS, batch: B };
const c = tinyConfig(s.sizes);
const t0 = performance.now();
const spec = trainStepSpec(s);
const w = new Map([...initialWeights(c, seededRng(0))].map(([k, t]) => [k, t.toFloat32()]));
const step = await TrainStep.create(spec, w);
console.log(`create ${(performance.now() - t0).toFixed(0)} ms`);
const world = worldConfig();
const tok = cachedTokenizer(await loadWorldTokenizer());
for (let k = 0; k < 6; k++) {
  const tb = performance.now();
  const feeds = lossInputs(makeBatch(splitExamples("train", k * B, B, world), tok, world), c, s);
  const tr = performance.now();
  const r = await step.run(feeds, 1e-3);
  console.log(`step ${k + 1}: batch ${(tr - tb).toFixed(0)} ms, run ${(performance.now() - tr).toFixed(0)} ms, loss ${r.loss.toFixed(4)} norm ${r.gradNorm.toFixed(3)}`);
}
