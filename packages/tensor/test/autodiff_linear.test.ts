/**
 * autodiff_linear.test.ts — gradient rules of MatMul (broadcast leading axes, 1-D operands),
 * com.microsoft FusedMatMul (transA / transB / alpha, a weight that is a graph input: the linear
 * layer) and Conv (the patch embedding), against finite differences (test/autodiff_check.ts).
 */
import { afterAll, describe, expect, it } from "vitest";
import { GradientError, Graph, MS_DOMAIN, float, grad, releaseAllSessions } from "../src/index.ts";
import { type VjpCase, expectVjp } from "./autodiff_check.ts";

afterAll(() => releaseAllSessions());

describe("autodiff: MatMul (float64 finite differences)", () => {
  const shapes: [number[], number[]][] = [
    [[3, 4], [4, 2]], // plain matrices
    [[2, 3, 4], [4, 5]], // a weight shared by every row (one 2-D product for dB)
    [[4], [4, 3]], // 1-D a (a row vector)
    [[2, 3, 4], [4]], // 1-D b (a column vector)
    [[4], [4]], // dot product
    [[2, 1, 3, 4], [5, 4, 2]], // batch axes broadcast both ways
    [[3, 4], [2, 4, 1]], // a broadcast over b's batch, N = 1
    [[1, 1, 1], [1, 1]], // length-1 everything
  ];
  it.each(shapes.map(([a, b]) => [`[${a}] @ [${b}]`, a, b]))("%s", async (name, a, b) => {
    await expectVjp({ name: `MatMul ${name}`, inputs: { a: { shape: a as number[] }, b: { shape: b as number[] } }, forward: (g, x) => g.op("MatMul", [x.a, x.b]) });
  });
});

describe("autodiff: com.microsoft FusedMatMul", () => {
  const cases: [string, number[], number[], Record<string, number>, number][] = [
    ["linear: x [B, T, in] W^T, W [out, in] (transB)", [2, 3, 4], [5, 4], { transB: 1 }, 1],
    ["transA", [4, 3], [4, 2], { transA: 1 }, 1],
    ["transA + transB, alpha 0.5", [4, 3], [2, 4], { transA: 1, transB: 1 }, 0.5],
    ["batched both, alpha -2", [2, 3, 4], [2, 4, 5], {}, -2],
    ["batched transB, batch broadcast", [2, 1, 3, 4], [3, 5, 4], { transB: 1 }, 1],
  ];
  it.each(cases.map((c) => [c[0], c]))("%s", async (_, [name, sa, sb, attrs, alpha]) => {
    await expectVjp({
      name: `FusedMatMul ${name}`,
      inputs: { a: { shape: sa as number[] }, b: { shape: sb as number[] } },
      forward: (g, x) => g.op("FusedMatMul", [x.a, x.b], { ...(attrs as object), alpha: float(alpha as number) }, { domain: MS_DOMAIN }),
    });
  });

  it("transBatchA / transBatchB are refused, naming the node", () => {
    const g = new Graph("tb");
    const a = g.input("a", "float32", [2, 3, 4]);
    const y = g.op("FusedMatMul", [a, a], { transBatchA: 1 }, { domain: MS_DOMAIN, name: "fmm" });
    expect(() => grad(g, y, [a], { seed: a })).toThrow(/fmm \(com.microsoft.FusedMatMul\): transBatchA/);
  });
});

describe("autodiff: Conv as the patch embedding (kernel = stride; float32 finite differences: no double Conv kernel)", () => {
  const cases: [string, number[], number[], boolean][] = [
    ["4x4 patches of an 8x8 image, bias", [2, 3, 8, 8], [5, 3, 4, 4], true],
    ["2x3 patches, no bias, 7x7 image (the last row/cols are never read)", [1, 2, 7, 7], [3, 2, 2, 3], false],
    ["1x1 kernel, one channel", [2, 1, 3, 2], [4, 1, 1, 1], true],
  ];
  it.each(cases.map((c) => [c[0], c]))("%s", async (_, [name, sx, sw, bias]) => {
    const [P, Q] = (sw as number[]).slice(2);
    const c: VjpCase = {
      name: `Conv ${name}`,
      oracle: "float32",
      inputs: { x: { shape: sx as number[] }, w: { shape: sw as number[] }, ...(bias ? { b: { shape: [(sw as number[])[0]] } } : {}) },
      forward: (g, x) => g.op("Conv", [x.x, x.w, bias ? x.b : null], { kernel_shape: [P, Q], strides: [P, Q] }),
    };
    await expectVjp(c);
  });

  it("overlapping kernels are a GradientError naming the node", () => {
    const g = new Graph("conv");
    const x = g.input("x", "float32", [1, 1, 4, 4]);
    const w = g.input("w", "float32", [1, 1, 2, 2]);
    const y = g.op("Conv", [x, w], { kernel_shape: [2, 2], strides: [1, 1] }, { name: "overlap" });
    expect(() => grad(g, y, [w], { seed: g.input("s", "float32", [1, 1, 3, 3]) })).toThrow(GradientError);
    expect(() => grad(g, y, [w], { seed: g.input("s2", "float32", [1, 1, 3, 3]) })).toThrow(/overlap \(Conv\): the gradient rule covers kernel = stride/);
  });
});
