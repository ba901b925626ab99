/**
 * autodiff_layout.test.ts — gradient rules of the element-moving ops (Reshape, Squeeze, Unsqueeze,
 * Flatten, Transpose, Concat, Slice) and of Gather (the embedding lookup: repeated ids add up,
 * negative ids, int32 ids, another axis), against float64 finite differences (test/autodiff_check.ts).
 */
import { afterAll, describe, it } from "vitest";
import { type Graph, type Value, releaseAllSessions } from "../src/index.ts";
import { type VjpCase, expectVjp } from "./autodiff_check.ts";

afterAll(() => releaseAllSessions());

const i64 = (g: Graph, v: number[]) => g.constant(v, "int64");
/** Multiply by a fixed ramp first, so an element sent to the wrong place changes the loss. */
const ramp = (g: Graph, x: Value) => {
  const one = g.constant(1, "int64");
  const r = g.op("Range", [one, g.op("Add", [g.op("Size", [x]), one]), one]); // 1, 2, ..., numel (folded from shapes)
  return g.op("Mul", [x, g.op("Reshape", [g.op("Cast", [r], { to: x.dtype === "float64" ? 11 : 1 }), g.op("Shape", [x])])]);
};

describe("autodiff: layout ops", () => {
  const base: VjpCase[] = [
    { name: "Reshape [2,3,4] -> [0, -1]", inputs: { x: { shape: [2, 3, 4] } }, forward: (g, x) => g.op("Reshape", [x.x, i64(g, [0, -1])]) },
    { name: "Squeeze axis 1 / Unsqueeze axes [0, 3]", inputs: { x: { shape: [3, 1, 2] } }, forward: (g, x) => g.op("Unsqueeze", [g.op("Squeeze", [x.x, i64(g, [1])]), i64(g, [0, 3])]) },
    { name: "Flatten axis 2", inputs: { x: { shape: [2, 2, 3, 1] } }, forward: (g, x) => g.op("Flatten", [x.x], { axis: 2 }) },
    { name: "Transpose perm [2, 0, 1]", inputs: { x: { shape: [2, 3, 4] } }, forward: (g, x) => g.op("Transpose", [x.x], { perm: [2, 0, 1] }) },
    { name: "Transpose default (reversed)", inputs: { x: { shape: [2, 3] } }, forward: (g, x) => g.op("Transpose", [x.x]) },
    { name: "Concat axis 1 of three, one of length 1", inputs: { a: { shape: [2, 2, 3] }, b: { shape: [2, 1, 3] }, c: { shape: [2, 4, 3] } }, forward: (g, x) => g.op("Concat", [x.a, x.b, x.c], { axis: 1 }) },
    { name: "Concat axis -1, one input twice", inputs: { a: { shape: [2, 2] }, b: { shape: [2, 3] } }, forward: (g, x) => g.op("Concat", [x.a, x.b, x.a], { axis: -1 }) },
    { name: "Slice one axis [1, 3)", inputs: { x: { shape: [2, 5] } }, forward: (g, x) => g.op("Slice", [x.x, i64(g, [1]), i64(g, [3]), i64(g, [1])]) },
    { name: "Slice two axes, negative start, end past the size", inputs: { x: { shape: [4, 3, 5] } }, forward: (g, x) => g.op("Slice", [x.x, i64(g, [-3, 1]), i64(g, [100, 4]), i64(g, [0, 2])]) },
    { name: "Slice without axes (leading axes)", inputs: { x: { shape: [3, 4] } }, forward: (g, x) => g.op("Slice", [x.x, i64(g, [0, 1]), i64(g, [2, 3])]) },
  ];
  const cases = base.map((c): VjpCase => ({ ...c, forward: (g, x, dt) => ramp(g, c.forward(g, x, dt)) }));
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expectVjp(c as VjpCase);
  });
});

describe("autodiff: Gather (scatter-add backward)", () => {
  const cases: VjpCase[] = [
    { name: "embedding rows, repeated ids", inputs: { table: { shape: [5, 3] }, ids: { shape: [2, 4], dtype: "int64", values: [1, 1, 4, 0, 1, 4, 4, 2] } }, forward: (g, x) => g.op("Gather", [x.table, x.ids], { axis: 0 }) },
    { name: "negative ids and int32 ids", inputs: { table: { shape: [4, 2] }, ids: { shape: [3], dtype: "int32", values: [-1, 3, 0] } }, forward: (g, x) => g.op("Gather", [x.table, x.ids], { axis: 0 }) },
    { name: "a scalar id", inputs: { table: { shape: [4, 3] }, ids: { shape: [], dtype: "int64", values: [2] } }, forward: (g, x) => g.op("Gather", [x.table, x.ids], { axis: 0 }) },
    { name: "axis 1 of a 3-D table, 2-D ids", inputs: { table: { shape: [2, 4, 3] }, ids: { shape: [2, 2], dtype: "int64", values: [3, 0, 3, 1] } }, forward: (g, x) => g.op("Gather", [x.table, x.ids], { axis: 1 }) },
    { name: "axis -1", inputs: { table: { shape: [2, 5] }, ids: { shape: [3], dtype: "int64", values: [4, 4, 1] } }, forward: (g, x) => g.op("Gather", [x.table, x.ids], { axis: -1 }) },
  ];
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expectVjp(c as VjpCase);
  });
});
