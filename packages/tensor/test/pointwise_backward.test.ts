import { describe, expect, it } from "vitest";
import {
  ArgumentError,
  ShapeError,
  Tensor,
  exp,
  expBackward,
  geluTanh,
  geluTanhBackward,
  logSigmoid,
  logSigmoidBackward,
  mul,
  randNormal,
  randUniform,
  relu,
  reluBackward,
  seededRng,
  softCap,
  softCapBackward,
  sqrt,
  sqrtBackward,
  tanh,
  tanhBackward,
} from "../src/index.ts";
import { expectClose } from "./expect_close.ts";
import { expectGrad } from "./grad_expect.ts";

// Every elementwise backward, on a [3, 1, 5] tensor (a length-1 axis), inputs spread over the
// interesting range of each function. x-based rules get x, y-based rules get the forward's output.
const rng = seededRng(21);
const wide = mul(randNormal([3, 1, 5], rng), 3); // [-9, 9]-ish: gelu's dip, saturated tanh
describe("pointwise backward kernels match finite differences", () => {
  it("geluTanh (x)", () => {
    expectGrad("geluTanh", ([x]) => geluTanh(x), ([x], g) => [geluTanhBackward(g, x)], [wide]);
  });
  it.each([0.5, 5, 50])("softCap c = %d (x spread over +-3c)", (c) => {
    const x = mul(randNormal([3, 1, 5], seededRng(Math.round(c * 1000))), c);
    expectGrad(`softCap ${c}`, ([xx]) => softCap(xx, c), ([xx], g) => [softCapBackward(g, xx, c)], [x]);
  });
  it("exp (y)", () => {
    expectGrad("exp", ([x]) => exp(x), ([x], g) => [expBackward(g, exp(x))], [randNormal([3, 1, 5], rng)]);
  });
  it("sqrt (y), x in [0.3, 4]", () => {
    expectGrad("sqrt", ([x]) => sqrt(x), ([x], g) => [sqrtBackward(g, sqrt(x))], [randUniform([3, 1, 5], rng, 0.3, 4)]);
  });
  it("logSigmoid (x), x in +-30", () => {
    const x = mul(randNormal([3, 1, 5], rng), 10);
    expectGrad("logSigmoid", ([xx]) => logSigmoid(xx), ([xx], g) => [logSigmoidBackward(g, xx)], [x]);
  });
  it("relu (x), no input within 1e-2 of the kink", () => {
    const x = Tensor.from(wide.toFloat32().map((v) => (Math.abs(v) < 1e-2 ? v + 0.1 : v)), wide.shape); // FD steps across 0 are wrong by design
    expectGrad("relu", ([xx]) => relu(xx), ([xx], g) => [reluBackward(g, xx)], [x]);
  });
  it("tanh (y)", () => {
    expectGrad("tanh", ([x]) => tanh(x), ([x], g) => [tanhBackward(g, tanh(x))], [wide]);
  });
});

describe("pointwise backward hand values", () => {
  const one = (t: Tensor) => Tensor.full(t.shape, 1);
  it("slopes at known points", () => {
    const x = Tensor.from([0, -1000, 1000]);
    expectClose(logSigmoidBackward(one(x), x), [0.5, 1, 0], 0, "sigmoid(-x)");
    expectClose(geluTanhBackward(one(x), Tensor.from([0, -20, 20])), [0.5, 0, 1], 1e-7, "gelu' at 0, -inf, +inf");
    expectClose(softCapBackward(one(x), Tensor.from([0, -1000, 1000]), 30), [1, 0, 0], 0, "soft-cap slope");
    expectClose(tanhBackward(one(x), Tensor.from([0, 0.5, -1])), [1, 0.75, 0], 0, "1 - y^2");
    expectClose(sqrtBackward(one(x), Tensor.from([1, 2, 0.5])), [0.5, 0.25, 1], 0, "1 / 2y");
    expect(sqrtBackward(Tensor.from([1]), Tensor.from([0])).toArray()).toEqual([Infinity]);
    expectClose(reluBackward(Tensor.from([2, 3, 4]), Tensor.from([-1, 0, 0.5])), [0, 0, 4], 0, "dout where x > 0 (0 at the kink)");
    expectClose(expBackward(Tensor.from([2, 3, 4]), Tensor.from([1, 2, 0.5])), [2, 6, 2], 0, "dout * y");
  });
  it("rejects shape mismatches and a bad cap", () => {
    expect(() => expBackward(Tensor.zeros([2]), Tensor.zeros([3]))).toThrow(ShapeError);
    expect(() => softCapBackward(Tensor.zeros([2]), Tensor.zeros([2]), 0)).toThrow(ArgumentError);
  });
});
