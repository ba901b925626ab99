import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, add, gradCheck, randNormal, rmsNorm, rmsNormBackward, seededRng } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";
import { GRAD_TOL, expectGrad } from "./grad_expect.ts";

describe.each([
  { shape: [2, 3, 8], weight: true, unitOffset: true, eps: 1e-6, scale: 1 },
  { shape: [2, 3, 8], weight: true, unitOffset: false, eps: 1e-6, scale: 1 },
  { shape: [4, 5], weight: false, unitOffset: true, eps: 1e-6, scale: 1 },
  { shape: [6], weight: true, unitOffset: true, eps: 1e-5, scale: 1 },
  // D = 1: y = w x / sqrt(x^2 + eps) ~ w sign(x), all slope in a kink of width sqrt(eps): eps 0.1 keeps it smooth
  { shape: [3, 1], weight: true, unitOffset: false, eps: 0.1, scale: 1 },
  // eps effects: a large eps, and rows with mean(x^2) ~ eps
  { shape: [3, 6], weight: true, unitOffset: true, eps: 0.5, scale: 1 },
  { shape: [3, 6], weight: true, unitOffset: false, eps: 1e-6, scale: 1e-3 },
])("rmsNormBackward $shape (weight $weight, unitOffset $unitOffset, eps $eps, x scale $scale)", ({ shape, weight, unitOffset, eps, scale }) => {
  it("matches finite differences for x and the stored weight", () => {
    const rng = seededRng(shape.reduce((p, d) => p * d, 3) + (unitOffset ? 1 : 0));
    const D = shape[shape.length - 1];
    const x = randNormal(shape, rng, scale);
    const w = randNormal([D], rng, 0.5, unitOffset ? 0 : 1);
    expectGrad(`rmsNorm [${shape}] w ${weight} unitOffset ${unitOffset} eps ${eps} x~${scale}`, ([xx, ww]) => rmsNorm(xx, weight ? ww : null, eps, { unitOffset }), ([xx, ww], g) => {
      const r = rmsNormBackward(g, xx, weight ? ww : null, eps, { unitOffset });
      return [r.dx, r.dweight];
    }, [x, w]);
  });
});

describe("rmsNormBackward", () => {
  it("unitOffset: w and (1 + w) without offset give the same dx and dweight", () => {
    const rng = seededRng(8);
    const x = randNormal([3, 5], rng);
    const g = randNormal([3, 5], rng);
    const w = randNormal([5], rng, 0.3);
    const gemma = rmsNormBackward(g, x, w, 1e-6, { unitOffset: true });
    const llama = rmsNormBackward(g, x, add(w, 1), 1e-6, { unitOffset: false });
    expectClose(gemma.dx, llama.dx, 1e-6, "dx");
    expectClose(gemma.dweight!, llama.dweight!, 1e-6, "dweight");
    expect(rmsNormBackward(g, x, null).dweight).toBeNull();
  });
  it("dx is orthogonal to x when eps = 0 (the output ignores a row's scale)", () => {
    const rng = seededRng(9);
    const x = randNormal([1, 6], rng);
    const { dx } = rmsNormBackward(randNormal([1, 6], rng), x, null, 0);
    const dot = dx.toArray().reduce((s, v, i) => s + v * x.toArray()[i], 0);
    expect(Math.abs(dot)).toBeLessThan(1e-6);
  });
  it("eps matters when mean(x^2) ~ eps: a backward that drops eps is caught", () => {
    const x = randNormal([3, 6], seededRng(10), 1e-3);
    const r = gradCheck(([xx]) => rmsNorm(xx, null, 1e-6), ([xx], g) => [rmsNormBackward(g, xx, null, 0).dx], [x]);
    console.log(`rmsNorm backward with eps 0 (forward eps 1e-6, x ~ 1e-3): max rel err ${r.maxRelErr.toExponential(2)}`);
    expect(r.maxRelErr).toBeGreaterThan(10 * GRAD_TOL);
  });
  it("unitOffset: dweight is the same either way, dx with the wrong offset is caught", () => {
    const rng = seededRng(11);
    const x = randNormal([2, 5], rng);
    const w = randNormal([5], rng, 0.3);
    const r = gradCheck(([xx, ww]) => rmsNorm(xx, ww, 1e-6, { unitOffset: true }), ([xx, ww], g) => [null, rmsNormBackward(g, xx, ww, 1e-6, { unitOffset: false }).dweight], [x, w]);
    const rx = gradCheck(([xx, ww]) => rmsNorm(xx, ww, 1e-6, { unitOffset: true }), ([xx, ww], g) => [rmsNormBackward(g, xx, ww, 1e-6, { unitOffset: false }).dx, null], [x, w]);
    console.log(`rmsNorm: dweight of the wrong offset ${r.maxRelErr.toExponential(2)}, dx of the wrong offset ${rx.maxRelErr.toExponential(2)}`);
    expect(r.maxRelErr).toBeLessThan(GRAD_TOL); // dweight = sum(dy * x * r) does not depend on the offset
    expect(rx.maxRelErr).toBeGreaterThan(10 * GRAD_TOL); // dx does: it scales by s = 1 + w, not w
  });
  it("rejects mismatched shapes, naming the argument", () => {
    expect(() => rmsNormBackward(Tensor.zeros([2, 4]), Tensor.zeros([2, 4]), Tensor.zeros([5]))).toThrow(/rmsNormBackward: weight must be \[4\]/);
    expect(() => rmsNormBackward(Tensor.zeros([4]), Tensor.zeros([2, 4]), null)).toThrow(ShapeError);
  });
});
