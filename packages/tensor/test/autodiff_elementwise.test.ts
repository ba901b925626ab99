/**
 * autodiff_elementwise.test.ts — gradient rules of the broadcasting and elementwise ops against
 * finite differences (test/autodiff_check.ts states the method and tolerances): Add, Sub, Mul, Div
 * broadcasting both ways and over length-1 axes, Sum, Where, Expand, the unary functions, Gelu (both
 * forms), Softmax / LogSoftmax, ReduceSum / ReduceMean, Identity and Cast.
 */
import { afterAll, describe, it } from "vitest";
import { type Graph, type Value, onnxDataType, releaseAllSessions } from "../src/index.ts";
import { type FloatDType, type VjpCase, expectVjp } from "./autodiff_check.ts";

afterAll(() => releaseAllSessions());

const positive = (rng: () => number) => 0.3 + 2 * rng();
const awayFromZero = (rng: () => number) => (rng() < 0.5 ? -1 : 1) * (0.5 + rng());

/** Two-input broadcasting cases for op, with shapes that stretch a, b, both, and length-1 axes. */
function binaryCases(op: string, initB?: (rng: () => number) => number): VjpCase[] {
  const shapes: [number[], number[]][] = [
    [[2, 3], [2, 3]], // same shape
    [[2, 3, 4], [4]], // b broadcast over leading axes
    [[1, 4], [3, 1]], // both stretched
    [[3, 1, 2], [1, 5, 1]], // length-1 axes on both sides
    [[1], [2, 3]], // a is the small one
    [[], [2, 2]], // a scalar
  ];
  return shapes.map(([sa, sb]) => ({
    name: `${op} [${sa}] x [${sb}]`,
    inputs: { a: { shape: sa }, b: { shape: sb, init: initB } },
    forward: (g: Graph, x: Record<string, Value>) => g.op(op, [x.a, x.b]),
  }));
}

const unary = (op: string, init?: (rng: () => number) => number, attrs = {}): VjpCase => ({
  name: `${op}${Object.keys(attrs).length ? JSON.stringify(attrs) : ""}`,
  inputs: { x: { shape: [3, 4], init } },
  forward: (g, x) => g.op(op, [x.x], attrs),
});

describe("autodiff: broadcasting binary ops (float64 finite differences)", () => {
  const cases = [...binaryCases("Add"), ...binaryCases("Sub"), ...binaryCases("Mul"), ...binaryCases("Div", awayFromZero)];
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expectVjp(c as VjpCase);
  });

  it("Sum of three inputs with broadcasting, and a value used twice (Mul(x, x))", async () => {
    await expectVjp({
      name: "Sum3",
      inputs: { a: { shape: [2, 3] }, b: { shape: [3] }, c: { shape: [2, 1] } },
      forward: (g, x) => g.op("Sum", [x.a, x.b, x.c]),
    });
    await expectVjp({ name: "MulSelf", inputs: { x: { shape: [4] } }, forward: (g, x) => g.op("Mul", [x.x, x.x]) });
  });

  it("Where: gradients to both value inputs (broadcast), none to the condition", async () => {
    await expectVjp({
      name: "Where",
      inputs: { cond: { shape: [2, 3], dtype: "bool", values: [1, 0, 1, 0, 0, 1] }, a: { shape: [2, 3] }, b: { shape: [3] } },
      forward: (g, x) => g.op("Where", [x.cond, x.a, x.b]),
    });
  });

  it("Expand: the gradient sums over the expanded axes", async () => {
    await expectVjp({
      name: "Expand",
      inputs: { x: { shape: [3, 1] } },
      forward: (g, x) => g.op("Expand", [x.x, g.constant([2, 3, 4], "int64")]),
    });
  });
});

describe("autodiff: elementwise functions", () => {
  const cases: VjpCase[] = [
    unary("Neg"), unary("Exp"), unary("Tanh"), unary("Sigmoid"), unary("Identity"),
    unary("Log", positive), unary("Sqrt", positive), unary("Reciprocal", awayFromZero),
    unary("Gelu", undefined, { approximate: "tanh" }),
    { ...unary("Softplus"), oracle: "float32" }, // no double Softplus kernel in ORT
    { ...unary("Gelu", undefined, { approximate: "none" }), oracle: "float32" }, // exact Gelu's backward uses Erf
  ];
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expectVjp(c as VjpCase);
  });

  it("Cast float -> float both ways: the gradient is cast back", async () => {
    const dbl = onnxDataType("float64");
    await expectVjp({
      name: "Cast",
      inputs: { x: { shape: [5] } },
      forward: (g, x, dt: FloatDType) => {
        const d = g.op("Cast", [x.x], { to: dbl }); // float64
        return g.op("Cast", [g.op("Mul", [d, d])], { to: onnxDataType(dt) });
      },
    });
  });
});

describe("autodiff: softmax and reductions", () => {
  const cases: VjpCase[] = [
    ...[-1, 0, 1].map((axis) => ({ name: `Softmax axis ${axis}`, inputs: { x: { shape: [3, 4, 2] } }, forward: (g: Graph, x: Record<string, Value>) => g.op("Softmax", [x.x], { axis }) })),
    ...[-1, 1].map((axis) => ({ name: `LogSoftmax axis ${axis}`, inputs: { x: { shape: [2, 5, 1] } }, forward: (g: Graph, x: Record<string, Value>) => g.op("LogSoftmax", [x.x], { axis }) })),
    { name: "Softmax over a length-1 axis", inputs: { x: { shape: [3, 1] } }, forward: (g, x) => g.op("Softmax", [x.x], { axis: -1 }) },
    ...[["ReduceSum", [1], 1], ["ReduceSum", [0, 2], 0], ["ReduceSum", [], 0], ["ReduceMean", [-1], 0], ["ReduceMean", [0, 1], 1], ["ReduceMean", [], 1]].map(([op, axes, keepdims]) => ({
      name: `${op} axes [${axes}] keepdims ${keepdims}`,
      inputs: { x: { shape: [2, 3, 4] } },
      forward: (g: Graph, x: Record<string, Value>) => g.op(op as string, [x.x, g.constant(axes as number[], "int64")], { keepdims: keepdims as number }),
    })),
    { name: "ReduceSum without axes input (all), noop_with_empty_axes", inputs: { x: { shape: [2, 3] } }, forward: (g, x) => g.op("Add", [g.op("ReduceSum", [x.x]), g.op("ReduceSum", [x.x], { noop_with_empty_axes: 1 })]) },
  ];
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expectVjp(c as VjpCase);
  });
});

