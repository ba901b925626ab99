/**
 * autodiff_grad.test.ts — what `grad` promises beyond each rule: a scalar loss or a seed, adjoints of a
 * value used many times summed, zeros for a wrt the loss does not depend on, no gradient through
 * integer / bool / shape values, typed errors (no rule, non-scalar loss, integer wrt, a rule whose
 * gradient has the wrong shape), and that a deliberately wrong rule (a sign flip) is caught by the
 * finite-difference check (test/autodiff_check.ts).
 */
import { afterAll, describe, expect, it } from "vitest";
import {
  GradientError, Graph, Tensor, VJP_RULES, type VjpRule, grad, onnxOps, releaseAllSessions, runGraph,
} from "../src/index.ts";
import { type VjpCase, expectVjp, measureVjp } from "./autodiff_check.ts";

afterAll(() => releaseAllSessions());

function catchError(f: () => unknown): GradientError {
  try {
    f();
  } catch (e) {
    return e as GradientError;
  }
  throw new Error("expected an error");
}

describe("grad", () => {
  it("a scalar loss needs no seed: d/dx sum(x^2) = 2x; shape [1] works too", async () => {
    const g = new Graph("scalar");
    const x = g.input("x", "float32", [3]);
    const loss = g.op("ReduceSum", [g.op("Mul", [x, x])], { keepdims: 0 }); // []
    const loss1 = g.op("ReduceSum", [x], { keepdims: 1 }); // [1]
    g.output(grad(g, loss, [x])[0], "dx");
    g.output(grad(g, loss1, [x])[0], "dx1");
    const out = await runGraph(g, { x: Tensor.from([1, -2, 0.5]) });
    expect(out.dx.toArray()).toEqual([2, -4, 1]);
    expect(out.dx1.toArray()).toEqual([1, 1, 1]);
  });

  it("a value read by several nodes gets the sum of their adjoints (fan-out through four consumers)", async () => {
    await expectVjp({
      name: "fan-out",
      inputs: { x: { shape: [3, 3] }, w: { shape: [3] } },
      forward: (g, x) => {
        const a = g.op("Mul", [x.x, x.w]);
        const b = g.op("Tanh", [x.x]);
        const c = g.op("Softmax", [x.x], { axis: -1 });
        return g.op("Sum", [a, b, c, g.op("MatMul", [x.x, g.op("Transpose", [x.x])])]);
      },
    });
  });

  it("wrt values the loss does not depend on get zeros; intermediate values and repeated wrt work", async () => {
    const g = new Graph("zeros");
    const x = g.input("x", "float32", [2]);
    const unused = g.input("unused", "float32", [2, 2]);
    const h = g.op("Exp", [x]);
    const loss = g.op("ReduceSum", [g.op("Mul", [h, h])], { keepdims: 0 });
    const [dUnused, dh, dx, dx2] = grad(g, loss, [unused, h, x, x]);
    [dUnused, dh, dx, dx2].forEach((d, i) => g.output(d, `d${i}`));
    const out = await runGraph(g, { x: Tensor.from([0, 1]), unused: Tensor.zeros([2, 2]) });
    expect(out.d0.toArray()).toEqual([0, 0, 0, 0]);
    expect(out.d1.toArray()).toEqual([2, 2 * Math.fround(Math.E)].map(Math.fround)); // 2h
    expect(out.d2.toArray()[1]).toBeCloseTo(2 * Math.E * Math.E, 4); // 2 h * h
    expect(out.d3.toArray()).toEqual(out.d2.toArray());
  });

  it("no gradient through integer ids, bool conditions or shapes: Shape/Range/GreaterOrEqual/Equal/ConstantOfShape need no rule", async () => {
    await expectVjp({
      name: "window mask + gather ids",
      inputs: { x: { shape: [1, 4, 2] }, table: { shape: [3, 2] }, ids: { shape: [1, 4], dtype: "int64", values: [2, 0, 2, 1] } },
      oracle: "float32",
      forward: (g, x) => {
        const keep = g.op("Cast", [g.op("Equal", [x.ids, x.ids])], { to: x.x.dtype === "float64" ? 11 : 1 }); // ones, from ids
        const rows = g.op("Mul", [g.op("Gather", [x.table, x.ids], { axis: 0 }), g.op("Unsqueeze", [keep, g.constant([-1], "int64")])]);
        const e = g.op("Add", [x.x, rows]);
        const ones = onnxOps.layerNorm(g, e, null, null, 1e-5); // weight = ConstantOfShape(Shape(e)[-1:])
        return onnxOps.attention(g, ones, e, e, null, { numHeads: 1, numKvHeads: 1, window: 2 });
      },
    });
    const g = new Graph("floor");
    const x = g.input("x", "float32", [3]);
    const [dx] = grad(g, g.op("ReduceSum", [g.op("Floor", [x])], { keepdims: 0 }), [x]);
    g.output(dx, "dx");
    expect((await runGraph(g, { x: Tensor.from([0.5, 1.5, -2]) })).dx.toArray()).toEqual([0, 0, 0]);
  });

  it("typed errors: no rule (names node and op), non-scalar loss, seed shape, integer wrt, wrong-shaped rule output", () => {
    const g = new Graph("errors");
    const x = g.input("x", "float32", [2, 3]);
    const b = g.input("b", "float32", [3]);
    const relu = g.op("Relu", [x], {}, { name: "my_relu" });
    const e = catchError(() => grad(g, g.op("ReduceSum", [relu], { keepdims: 0 }), [x]));
    expect(e).toBeInstanceOf(GradientError);
    expect([e.node, e.opType]).toEqual(["my_relu", "Relu"]);
    expect(e.message).toMatch(/no gradient rule for op Relu/);
    expect(() => grad(g, x, [x])).toThrow(/loss x has shape \[2, 3\]: grad needs a scalar loss .* or options.seed/);
    expect(() => grad(g, x, [x], { seed: b })).toThrow(/seed b has shape \[3\], loss x has \[2, 3\]/);
    const ids = g.input("ids", "int64", [2]);
    expect(() => grad(g, g.op("ReduceSum", [x], { keepdims: 0 }), [ids])).toThrow(/wrt ids is int64: only float values have gradients/);
    const sum = g.op("Add", [x, b], {}, { name: "bias_add" });
    const noUnbroadcast: VjpRule = (_c, [dy]) => [dy, dy]; // forgets to sum db back to [3]
    expect(() => grad(g, g.op("ReduceSum", [sum], { keepdims: 0 }), [b], { rules: { Add: noUnbroadcast } })).toThrow(
      /bias_add \(Add\): the rule returned float32 \[2, 3\] for input 1 \(b\), which is float32 \[3\]/,
    );
  });

  it("a deliberately wrong rule (a sign flip) is caught, by the float64 and the float32 oracle alike", async () => {
    const flip = (op: string): Record<string, VjpRule> => ({
      [op]: (c, dys) => {
        const right = VJP_RULES[op](c, dys);
        return right.map((d) => (d ? c.neg(d) : d));
      },
    });
    const tanh: VjpCase = { name: "Tanh flipped", inputs: { x: { shape: [3, 2] } }, forward: (g, x) => g.op("Tanh", [x.x]) };
    const attn: VjpCase = {
      name: "Attention flipped",
      oracle: "float32",
      inputs: { q: { shape: [1, 3, 4] }, k: { shape: [1, 3, 2] }, v: { shape: [1, 3, 2] } },
      forward: (g, x) => onnxOps.attention(g, x.q, x.k, x.v, null, { numHeads: 2, numKvHeads: 1 }),
    };
    for (const c of [tanh, attn]) {
      const good = await measureVjp(c);
      const bad = await measureVjp({ ...c, rules: flip(c.name.split(" ")[0]) });
      console.log(`sign flip ${c.name}: worst ${bad.worst.toExponential(2)} (correct rule ${good.worst.toExponential(2)}, tol ${bad.tol})`);
      expect(good.worst).toBeLessThanOrEqual(good.tol);
      expect(bad.worst).toBeGreaterThan(100 * bad.tol);
    }
  });
});
