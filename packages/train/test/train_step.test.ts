/**
 * train_step.test.ts — the whole tiny PaliGemma's gradient and training step, three ways:
 *   1. the graph gradient (autodiff over the GraphOps forward, run in onnxruntime) against the
 *      reference gradient (TapeOps through the backward kernels) for every parameter;
 *   2. both against finite differences of the float32 reference loss on sampled parameters
 *      (4-point central differences along random directions, finiteDifferenceCheck);
 *   3. the fused TrainStep (forward + backward + clip + AdamW in one session, ping-pong buffers)
 *      against the plain-TS ReferenceTrainStep for three steps from the same start.
 * Tolerances are stated per check; the model is small (width 32) so the reference path is quick.
 */
import { CLASSIC_LAYOUT } from "@paligemma-ts/paligemma";
import {
  Graph, GraphOps, InputParams, ReferenceTrainStep, TapeOps, Tensor, TensorParams, TrainStep, type TrainStepSpec, finiteDifferenceCheck, grad,
  releaseAllSessions, runGraph, seededRng,
} from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { type TinySizes, TINY_SIZES, cachedTokenizer, initialWeights, lossInputs, loadWorldTokenizer, makeBatch, paligemmaLoss, splitExamples, tinyConfig, trainStepSpec, TRAIN_DEFAULTS, worldConfig } from "../src/index.ts";

afterAll(() => releaseAllSessions());

const SMALL: TinySizes = { ...TINY_SIZES, width: 32, visionLayers: 1, visionHeads: 2, visionMlp: 48, textLayers: 2, textHeads: 4, textKvHeads: 2, headDim: 12, textMlp: 40 };

describe("the tiny PaliGemma's gradient and training step", async () => {
  const c = tinyConfig(SMALL);
  const weights = initialWeights(c, seededRng(3), 0.15);
  const world = worldConfig();
  const tokenizer = cachedTokenizer(await loadWorldTokenizer());
  const batch = makeBatch(splitExamples("train", 10, 2, world), tokenizer, world);
  const shape = { batch: 2, length: batch.length + 1, targets: 48 };
  const inputs = lossInputs(batch, c, shape);
  const names = [...weights.keys()];
  const lossOf = <T,>(ops: import("@paligemma-ts/tensor").Ops<T>, x: Record<string, T>) => paligemmaLoss(ops, c, CLASSIC_LAYOUT, x as never, shape.batch, shape.length).loss;

  const tape = () => {
    const ops = new TapeOps(new TensorParams(weights).get);
    const loss = lossOf(ops, inputs);
    return { loss: loss.item(), grads: ops.backward(loss).params };
  };

  it("graph gradient == reference gradient for every parameter (rtol 1e-3 of the gradient's max, floor 1e-4 of the largest)", async () => {
    const g = new Graph("tiny_paligemma_grad");
    const params = InputParams.fromTensors(weights);
    const x = Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, g.input(k, t.dtype, t.shape)]));
    for (const n of names) params.tensor(g, n);
    const loss = lossOf(new GraphOps(g, params), x);
    g.output(loss, "loss");
    const grads = grad(g, loss, names.map((n) => params.bound(g).get(n)!));
    grads.forEach((d, i) => g.output(d, `grad:${names[i]}`));
    const out = await runGraph(g, { ...inputs, ...Object.fromEntries(weights) });
    const ref = tape();
    expect(Math.abs(out.loss.item() - ref.loss)).toBeLessThan(1e-4);
    let worst = 0;
    const globalMax = Math.max(...names.map((n) => Math.max(...Array.from(ref.grads.get(n)!.toFloat32(), Math.abs))));
    for (const n of names) {
      const a = out[`grad:${n}`].toFloat32();
      const b = ref.grads.get(n)!.toFloat32();
      // floor: a key bias's true gradient is exactly 0 (softmax ignores a shift of all scores), so both are rounding noise
      const scale = Math.max(1e-4 * globalMax, ...Array.from(b, Math.abs));
      const err = a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) / scale;
      worst = Math.max(worst, err);
      expect(err, n).toBeLessThan(1e-3);
    }
    console.log(`${names.length} parameters: worst |graph - reference| / max|grad| = ${worst.toExponential(2)}`);
  });

  it("the reference gradient matches finite differences of the float32 loss on sampled parameters (rel 2e-3)", () => {
    const ref = tape();
    const sampled = names.filter((_, i) => i % 5 === 0); // a spread of vision, projector, text, norm, embedding tensors
    const loss = (xs: Float64Array[]) => {
      const w = new Map(weights);
      sampled.forEach((n, i) => w.set(n, new Tensor("float32", weights.get(n)!.shape, Float32Array.from(xs[i]))));
      return lossOf(new TapeOps(new TensorParams(w).get), inputs).item();
    };
    const report = finiteDifferenceCheck(loss, sampled.map((n) => ref.grads.get(n)!.toFloat32()), sampled.map((n) => weights.get(n)!.toFloat32()), { directions: 2 });
    console.log(`finite differences on ${sampled.length} sampled parameters (${report.checks.length} directions): worst relative error ${report.maxRelErr.toExponential(2)}`);
    expect(report.maxRelErr).toBeLessThan(2e-3);
  });

  it("three fused TrainSteps land on the reference steps' weights (within 3% of the largest Adam move, 3 lr)", async () => {
    const settings = { ...TRAIN_DEFAULTS, batch: 2, length: shape.length, targets: 48, sizes: SMALL, lr: 1e-2, weightDecay: 0.1 };
    const spec: TrainStepSpec = trainStepSpec(settings);
    const init = new Map([...weights].map(([k, t]) => [k, t.toFloat32()]));
    const fused = await TrainStep.create(spec, init);
    const plain = new ReferenceTrainStep(spec, init);
    for (let s = 0; s < 3; s++) {
      const a = await fused.run(inputs, 1e-2);
      const b = await plain.run(inputs, 1e-2);
      console.log(`step ${s + 1}: loss ${a.loss.toFixed(5)} vs ${b.loss.toFixed(5)}, grad norm ${a.gradNorm.toFixed(4)} vs ${b.gradNorm.toFixed(4)}`);
      expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-4);
      expect(Math.abs(a.gradNorm - b.gradNorm) / b.gradNorm).toBeLessThan(1e-4);
    }
    // Adam divides by sqrt(v): an element with a gradient near eps = 1e-8 moves by lr * g / (|g| + eps), so
    // float32 rounding differences between the two paths (~2e-5 of the largest gradient, test 1) become
    // percent-level differences of a step there. A parameter whose true gradient is 0 (the key biases:
    // softmax is shift-invariant) takes full steps driven by rounding noise alone: those are skipped.
    const zeroGrad = new Set([...tape().grads].filter(([, g]) => Math.max(...Array.from(g.toFloat32(), Math.abs)) < 1e-6).map(([n]) => n));
    expect([...zeroGrad].every((n) => n.endsWith("k_proj.bias"))).toBe(true);
    let worst = 0;
    for (const [n, w] of plain.params()) {
      if (zeroGrad.has(n)) continue;
      const f = fused.params().get(n)!;
      worst = Math.max(worst, f.reduce((m, v, i) => Math.max(m, Math.abs(v - w[i])), 0));
    }
    const move = 3 * 1e-2; // Adam moves a weight by at most ~lr per step
    const moved = Math.max(...[...plain.params()].map(([n, w]) => w.reduce((m, v, i) => Math.max(m, Math.abs(v - init.get(n)![i])), 0)));
    console.log(`after 3 steps: weights moved up to ${moved.toExponential(2)}; worst |fused - reference| ${worst.toExponential(2)} = ${((100 * worst) / move).toFixed(2)}% of 3 lr`);
    expect(moved).toBeGreaterThan(0.5 * move); // the steps really moved the weights
    expect(worst).toBeLessThan(0.03 * move);
    expect(fused.step).toBe(3);
    await fused.dispose();
  });
});
