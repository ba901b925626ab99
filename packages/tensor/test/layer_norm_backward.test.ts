import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, gradCheck, layerNorm, layerNormBackward, mul, randNormal, seededRng } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";
import { GRAD_TOL, expectGrad } from "./grad_expect.ts";

describe.each([
  { shape: [2, 3, 8], weight: true, bias: true, eps: 1e-5, scale: 1 },
  { shape: [4, 5], weight: false, bias: true, eps: 1e-5, scale: 1 },
  { shape: [4, 5], weight: true, bias: false, eps: 1e-6, scale: 1 },
  { shape: [3, 6], weight: false, bias: false, eps: 1e-6, scale: 1 },
  { shape: [7], weight: true, bias: true, eps: 1e-5, scale: 1 },
  // D = 2: xhat = +-1 except where the two values nearly meet, a near-kink of width ~ sqrt(eps)
  // that finite differences at 1% steps cannot resolve; eps 1e-2 keeps the function smooth there.
  { shape: [2, 2], weight: true, bias: true, eps: 1e-2, scale: 1 },
  // eps effects: a large eps, and rows whose variance is about eps (scale 1e-3, var ~ 1e-6)
  { shape: [3, 6], weight: true, bias: true, eps: 1, scale: 1 },
  { shape: [3, 6], weight: true, bias: true, eps: 1e-6, scale: 1e-3 },
])("layerNormBackward $shape (weight $weight, bias $bias, eps $eps, x scale $scale)", ({ shape, weight, bias, eps, scale }) => {
  it("matches finite differences for x, weight and bias", () => {
    const rng = seededRng(shape.reduce((p, d) => p * d, 1) + (weight ? 1 : 0));
    const D = shape[shape.length - 1];
    const x = randNormal(shape, rng, scale, 0.3 * scale);
    const w = randNormal([D], rng, 0.5, 1);
    const b = randNormal([D], rng, 0.5);
    expectGrad(`layerNorm [${shape}] w ${weight} b ${bias} eps ${eps} x~${scale}`, ([xx, ww, bb]) => layerNorm(xx, weight ? ww : null, bias ? bb : null, eps), ([xx, ww, bb], g) => {
      const r = layerNormBackward(g, xx, weight ? ww : null, bias ? bb : null, eps);
      return [r.dx, r.dweight, r.dbias];
    }, [x, w, b]);
  });
});

describe("layerNormBackward", () => {
  it("dx sums to 0 over each row (shift invariance); a row of length 1 gets dx = 0", () => {
    const rng = seededRng(5);
    const { dx } = layerNormBackward(randNormal([3, 7], rng), randNormal([3, 7], rng), randNormal([7], rng), null, 1e-5);
    for (let r = 0; r < 3; r++) expect(Math.abs(dx.toArray().slice(r * 7, r * 7 + 7).reduce((a, v) => a + v, 0))).toBeLessThan(1e-5);
    const one = layerNormBackward(Tensor.from([1, 2], [2, 1]), Tensor.from([3, -4], [2, 1]), null, Tensor.from([0.5]), 1e-5);
    expect(one.dx.toArray()).toEqual([0, 0]);
    expect(one.dbias!.toArray()).toEqual([3]);
  });
  it("dweight and dbias are null for a norm without them; weight 2 doubles dx", () => {
    const rng = seededRng(6);
    const x = randNormal([2, 4], rng);
    const g = randNormal([2, 4], rng);
    const plain = layerNormBackward(g, x, null, null);
    expect(plain.dweight).toBeNull();
    expect(plain.dbias).toBeNull();
    expectClose(layerNormBackward(g, x, Tensor.full([4], 2), null).dx, mul(plain.dx, 2), 1e-6, "w = 2");
  });
  it("eps matters when var ~ eps: a backward that drops eps is caught", () => {
    const x = randNormal([3, 6], seededRng(7), 1e-3);
    const r = gradCheck(([xx]) => layerNorm(xx, null, null, 1e-6), ([xx], g) => [layerNormBackward(g, xx, null, null, 0).dx], [x]);
    console.log(`layerNorm backward with eps 0 (forward eps 1e-6, x ~ 1e-3): max rel err ${r.maxRelErr.toExponential(2)}`);
    expect(r.maxRelErr).toBeGreaterThan(10 * GRAD_TOL);
  });
  it("rejects a weight of the wrong length and a dout of another shape", () => {
    expect(() => layerNormBackward(Tensor.zeros([2, 4]), Tensor.zeros([2, 4]), Tensor.zeros([3]), null)).toThrow(/weight must be \[4\]/);
    expect(() => layerNormBackward(Tensor.zeros([2, 3]), Tensor.zeros([2, 4]), null, null)).toThrow(ShapeError);
  });
});
