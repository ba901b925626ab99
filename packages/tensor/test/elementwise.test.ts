import { describe, expect, it } from "vitest";
import { Tensor, exp, geluTanh, randNormal, seededRng, tanh } from "../src/index.ts";
import { expectClose, expectShape } from "./expect_close.ts";

describe("exp", () => {
  it("hand values, overflow to Inf and underflow to 0 in float32", () => {
    const y = exp(Tensor.from([0, 1, -1, 89, -104, -Infinity]));
    expectClose(y.toArray().slice(0, 3), [1, Math.E, 1 / Math.E], 1e-6, "exp");
    expect(y.toArray().slice(3)).toEqual([Infinity, 0, 0]); // e^89 > float32 max
  });
  it("keeps the shape and accepts bf16", () => {
    const y = exp(Tensor.fromValues([0, 0, 0, 0], [2, 2], "bfloat16"));
    expectShape(y, [2, 2]);
    expect(y.dtype).toBe("float32");
    expect(y.toArray()).toEqual([1, 1, 1, 1]);
  });
});

describe("tanh", () => {
  it("matches (e^x - e^-x) / (e^x + e^-x) on random inputs and saturates", () => {
    const x = randNormal([50], seededRng(5), 3);
    const ref = x.toArray().map((v) => (Math.exp(v) - Math.exp(-v)) / (Math.exp(v) + Math.exp(-v)));
    expectClose(tanh(x), ref, 1e-6, "tanh");
    expect(tanh(Tensor.from([100, -100, 0])).toArray()).toEqual([1, -1, 0]);
  });
});

describe("geluTanh", () => {
  it("hand values from 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))) computed in float64", () => {
    const x = Tensor.from([-3, -1, -0.5, 0, 0.5, 1, 3, 10]);
    const ref = [-0.0036373920817729943, -0.15880800939172324, -0.15428599017485606, 0, 0.34571400982514394, 0.8411919906082768, 2.996362607918227, 10];
    expectClose(geluTanh(x), ref, 1e-6, "gelu_tanh");
  });
  it("is within 5e-4 of the exact erf GELU (the approximation's known error) but not equal to it", () => {
    // erf by Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7): an independent formula.
    const erf = (z: number) => {
      const s = Math.sign(z);
      const a = Math.abs(z);
      const t = 1 / (1 + 0.3275911 * a);
      const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
      return s * y;
    };
    const x = randNormal([200], seededRng(6), 2);
    const exact = x.toArray().map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2)));
    const d = expectClose(geluTanh(x), exact, 5e-4, "gelu_tanh vs erf");
    expect(d).toBeGreaterThan(1e-5);
  });
  it("large inputs do not overflow to NaN", () => {
    const [big, neg] = geluTanh(Tensor.from([1e20, -1e20])).toArray(); // x^3 overflows to +-Inf inside tanh
    expect(big).toBe(Math.fround(1e20));
    expect(Math.abs(neg)).toBe(0);
  });
});
