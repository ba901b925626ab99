/**
 * autodiff_norms.test.ts — gradient rules of LayerNormalization (scale, bias, axis, a length-1
 * normalized axis) and RMSNormalization (Gemma's 1 + w through the Add before it), against float64
 * finite differences (ORT runs both norms in double; test/autodiff_check.ts).
 */
import { afterAll, describe, it } from "vitest";
import { float, onnxOps, releaseAllSessions } from "../src/index.ts";
import { type VjpCase, expectVjp } from "./autodiff_check.ts";

afterAll(() => releaseAllSessions());

describe("autodiff: LayerNormalization", () => {
  const cases: VjpCase[] = [
    { name: "LayerNorm axis -1, scale + bias", inputs: { x: { shape: [2, 3, 5] }, w: { shape: [5] }, b: { shape: [5] } }, forward: (g, x) => g.op("LayerNormalization", [x.x, x.w, x.b], { axis: -1, epsilon: float(1e-5) }) },
    { name: "LayerNorm no bias, eps 1e-6", inputs: { x: { shape: [4, 6] }, w: { shape: [6] } }, forward: (g, x) => g.op("LayerNormalization", [x.x, x.w], { axis: -1, epsilon: float(1e-6) }) },
    { name: "LayerNorm over two axes (axis 1), scale [3, 4]", inputs: { x: { shape: [2, 3, 4] }, w: { shape: [3, 4] }, b: { shape: [4] } }, forward: (g, x) => g.op("LayerNormalization", [x.x, x.w, x.b], { axis: 1 }) },
    { name: "LayerNorm over a length-1 axis (y = b)", inputs: { x: { shape: [3, 1] }, w: { shape: [1] }, b: { shape: [1] } }, forward: (g, x) => g.op("LayerNormalization", [x.x, x.w, x.b], { axis: -1 }) },
  ];
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expectVjp(c as VjpCase);
  });
});

describe("autodiff: RMSNormalization", () => {
  const cases: VjpCase[] = [
    { name: "RMSNorm axis -1", inputs: { x: { shape: [2, 3, 6] }, w: { shape: [6] } }, forward: (g, x) => g.op("RMSNormalization", [x.x, x.w], { axis: -1, epsilon: float(1e-6) }) },
    { name: "RMSNorm length-1 axis", inputs: { x: { shape: [4, 1] }, w: { shape: [1] } }, forward: (g, x) => g.op("RMSNormalization", [x.x, x.w], { axis: -1, epsilon: float(1e-6) }) },
    {
      // Gemma's norm as the builder emits it: scale = 1 + w (an Add of the constant 1), w near 0
      name: "Gemma RMSNorm (1 + w), onnxOps.rmsNorm",
      inputs: { x: { shape: [2, 4, 8] }, w: { shape: [8], init: (r) => 0.1 * (r() - 0.5) } },
      forward: (g, x) => onnxOps.rmsNorm(g, x.x, x.w, 1e-6),
    },
  ];
  it.each(cases.map((c) => [c.name, c]))("%s", async (_, c) => {
    await expectVjp(c as VjpCase);
  });
});
