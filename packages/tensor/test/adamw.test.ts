/**
 * adamw.test.ts — AdamW against a hand-computed update, the graph update against the reference one,
 * and the plain-TS training step (TapeOps + AdamW) on a small regression whose loss must fall.
 */
import { describe, expect, it } from "vitest";
import { Graph, ReferenceTrainStep, Tensor, adamwStepScalars, adamwUpdate, adamwUpdateGraph, clipFactor, maxAbsDiff, randNormal, runGraph, seededRng } from "../src/index.ts";

describe("AdamW", () => {
  it("one step equals the hand computation (b1 0.9, b2 0.999, eps 1e-8, lr 0.1, wd 0.01)", () => {
    // step 1 from m = v = 0: m = 0.1 g, v = 0.001 g^2, m^ = g, v^ = g^2, so the step is lr * g / (|g| + eps)
    const p = Float32Array.from([1, -2, 0.5]);
    const g = Float32Array.from([0.2, -4, 0]);
    const m = new Float32Array(3);
    const v = new Float32Array(3);
    adamwUpdate(p, g, m, v, adamwStepScalars(1, 0.1), 0.01);
    const want = [1 * (1 - 0.001) - 0.1 * (0.2 / (0.2 + 1e-8)), -2 * (1 - 0.001) - 0.1 * (-4 / (4 + 1e-8)), 0.5 * (1 - 0.001)];
    expect(maxAbsDiff(p, want)).toBeLessThan(1e-7);
    expect(maxAbsDiff(m, [0.02, -0.4, 0])).toBeLessThan(1e-7);
    expect(maxAbsDiff(v, [0.001 * 0.04, 0.001 * 16, 0])).toBeLessThan(1e-9);
    // step 2: bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999
    const s2 = adamwStepScalars(2, 0.1);
    expect([s2.bc1, s2.bc2].map((x) => x.toFixed(6))).toEqual(["0.190000", "0.001999"]);
  });

  it("clipFactor is min(1, max / (norm + 1e-6)); no clipping for max = Infinity", () => {
    expect(clipFactor(10, 1)).toBeCloseTo(0.1, 6);
    expect(clipFactor(0.5, 1)).toBe(1);
    expect(clipFactor(1e9, Infinity)).toBe(1);
  });

  it("the graph update equals the reference update (atol 3e-7: one float32 ulp at |p| ~ 2)", async () => {
    const rng = seededRng(1);
    const [p, gr, m, v] = [0, 1, 2, 3].map(() => randNormal([4, 3], rng));
    for (const k of [m, v]) (k.data as Float32Array).forEach((_, i, a) => (a[i] = Math.abs(a[i]) * (k === m ? 0.1 : 0.01)));
    const s = adamwStepScalars(7, 3e-3);
    const g = new Graph("adamw");
    const iv = (n: string) => g.input(n, "float32", [4, 3]);
    const sc = (n: string) => g.input(n, "float32", []);
    const u = adamwUpdateGraph(g, iv("p"), iv("g"), iv("m"), iv("v"), { lr: sc("lr"), bc1: sc("bc1"), bc2: sc("bc2") }, 0.05);
    g.output(u.p, "p2");
    g.output(u.m, "m2");
    g.output(u.v, "v2");
    const scalar = (x: number) => Tensor.fromValues([x], [], "float32");
    const out = await runGraph(g, { p, g: gr, m, v, lr: scalar(s.lr), bc1: scalar(s.bc1), bc2: scalar(s.bc2) });
    const [pr, mr, vr] = [p, m, v].map((t) => t.toFloat32().slice());
    adamwUpdate(pr, gr.toFloat32(), mr, vr, s, 0.05);
    console.log(`graph vs reference AdamW: p ${maxAbsDiff(out.p2, pr).toExponential(2)}, m ${maxAbsDiff(out.m2, mr).toExponential(2)}, v ${maxAbsDiff(out.v2, vr).toExponential(2)}`);
    expect(maxAbsDiff(out.p2, pr)).toBeLessThan(3e-7);
    expect(maxAbsDiff(out.m2, mr)).toBeLessThan(1e-7);
    expect(maxAbsDiff(out.v2, vr)).toBeLessThan(1e-8);
  });
});

describe("ReferenceTrainStep", () => {
  it("fits y = x W*^T: the loss falls by 100x in 200 steps", async () => {
    const rng = seededRng(2);
    const target = randNormal([3, 5], rng);
    const x = randNormal([32, 5], rng);
    const y = new Tensor("float32", [32, 3], Float32Array.from({ length: 96 }, (_, k) => {
      const [r, o] = [Math.floor(k / 3), k % 3];
      let s = 0;
      for (let i = 0; i < 5; i++) s += x.get(r, i) * target.get(o, i);
      return s;
    }));
    const spec = {
      name: "regression",
      params: [{ name: "w", shape: [3, 5], decay: 0 }],
      inputs: { x: { dtype: "float32" as const, dims: [32, 5] }, y: { dtype: "float32" as const, dims: [32, 3] } },
      loss: <T,>(ops: import("../src/index.ts").Ops<T>, b: Record<string, T>) => {
        const d = ops.sub(ops.linear(b.x, { weight: "w" }), b.y);
        return ops.reduceMean(ops.mul(d, d), [0, 1]);
      },
    };
    const step = new ReferenceTrainStep(spec, new Map([["w", new Float32Array(15)]]));
    const first = (await step.run({ x, y }, 0.05)).loss;
    let last = first;
    for (let i = 1; i < 200; i++) last = (await step.run({ x, y }, 0.05)).loss;
    console.log(`regression: loss ${first.toFixed(4)} -> ${last.toExponential(2)} in 200 steps`);
    expect(last).toBeLessThan(first / 100);
    expect(step.step).toBe(200);
  });
});
