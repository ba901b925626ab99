import { describe, expect, it } from "vitest";
import { ArgumentError, EagerOps, ShapeError, Tensor, conv2d, conv2dBackward, linear, patchEmbedBackward, randNormal, seededRng } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";
import { expectGrad } from "./grad_expect.ts";

describe.each([
  { x: [2, 3, 5, 5], w: [4, 3, 3, 3], stride: 1, padding: 0 },
  { x: [1, 2, 6, 5], w: [3, 2, 3, 2], stride: 2, padding: 1 },
  { x: [1, 1, 4, 4], w: [2, 1, 2, 2], stride: [2, 1] as [number, number], padding: [0, 1] as [number, number] },
  { x: [2, 3, 4, 4], w: [5, 3, 2, 2], stride: 2, padding: 0 }, // kernel = stride: patches
  { x: [1, 1, 1, 1], w: [1, 1, 1, 1], stride: 1, padding: 0 },
])("conv2dBackward x $x w $w stride $stride padding $padding", ({ x: xs, w: ws, stride, padding }) => {
  it("dx, dweight, dbias match finite differences", () => {
    const rng = seededRng(xs[2] * 10 + ws[2]);
    const x = randNormal(xs, rng);
    const w = randNormal(ws, rng, 0.5);
    const b = randNormal([ws[0]], rng);
    expectGrad(`conv2d x [${xs}] w [${ws}] s ${stride} p ${padding}`, ([xx, ww, bb]) => conv2d(xx, ww, bb, { stride, padding }), ([xx, ww], g) => {
      const r = conv2dBackward(g, xx, ww, true, { stride, padding });
      return [r.dx, r.dweight, r.dbias];
    }, [x, w, b]);
  });
});

describe.each([
  { B: 2, C: 3, S: 4, P: 2, D: 5, bias: true },
  { B: 1, C: 1, S: 3, P: 3, D: 2, bias: false },
  { B: 1, C: 2, S: 6, P: 2, D: 1, bias: true },
])("patchEmbedBackward B $B C $C S $S P $P D $D bias $bias", ({ B, C, S, P, D, bias }) => {
  it("matches finite differences of Ops.patchEmbed (EagerOps)", () => {
    const rng = seededRng(S * 10 + P);
    const pixels = randNormal([B, C, S, S], rng);
    const w = randNormal([D, C, P, P], rng, 0.5);
    const b = randNormal([D], rng);
    const embed = (px: Tensor, ww: Tensor, bb: Tensor) => new EagerOps((n) => (n === "w" ? ww : bb)).patchEmbed(px, "w", bias ? "b" : null, P);
    expectGrad(`patchEmbed B ${B} C ${C} S ${S} P ${P} D ${D}`, ([px, ww, bb]) => embed(px, ww, bb), ([px, ww, bb], g) => {
      const r = patchEmbedBackward(g, px, ww, bias ? bb : null, P);
      return [r.dpixels, r.dweight, r.dbias];
    }, [pixels, w, b]);
  });
});

describe("patchEmbedBackward", () => {
  it("kernel = stride: dpixels of a patch is dout @ W (a linear on the flattened patch)", () => {
    const rng = seededRng(4);
    const pixels = randNormal([1, 2, 2, 2], rng); // one 2x2 patch, 2 channels
    const w = randNormal([3, 2, 2, 2], rng);
    const g = randNormal([1, 1, 3], rng);
    const r = patchEmbedBackward(g, pixels, w, null, 2);
    expectClose(r.dpixels.reshape([1, 8]), linear(g.reshape([1, 3]), w.reshape([3, 8]).transpose(), null), 1e-6, "dout @ W");
    expect(r.dbias).toBeNull();
  });
  it("rejects images that are not whole patches, a bad patch and a dout of the wrong shape", () => {
    expect(() => patchEmbedBackward(Tensor.zeros([1, 4, 3]), Tensor.zeros([1, 1, 5, 5]), Tensor.zeros([3, 1, 2, 2]), null, 2)).toThrow(ShapeError);
    expect(() => patchEmbedBackward(Tensor.zeros([1, 4, 3]), Tensor.zeros([1, 1, 4, 4]), Tensor.zeros([3, 1, 2, 2]), null, 0)).toThrow(ArgumentError);
    expect(() => conv2dBackward(Tensor.zeros([1, 3, 2, 2]), Tensor.zeros([1, 1, 4, 4]), Tensor.zeros([3, 1, 2, 2]), false, { stride: 2 })).not.toThrow();
    expect(() => conv2dBackward(Tensor.zeros([1, 3, 3, 3]), Tensor.zeros([1, 1, 4, 4]), Tensor.zeros([3, 1, 2, 2]), false, { stride: 2 })).toThrow(/\[1, 3, 2, 2\]/);
  });
});
