import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, randNormal, rmsNorm, seededRng } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";

describe("rmsNorm", () => {
  it("hand values: [3, 4] has mean square 12.5; Gemma scales by (1 + w)", () => {
    const inv = 1 / Math.sqrt(12.5 + 1e-6);
    expectClose(rmsNorm(Tensor.from([3, 4]), null), [3 * inv, 4 * inv], 1e-6, "rms no weight");
    expectClose(rmsNorm(Tensor.from([3, 4]), Tensor.from([0, 1])), [3 * inv, 8 * inv], 1e-6, "rms gemma");
    expectClose(rmsNorm(Tensor.from([3, 4]), Tensor.from([0, 1]), 1e-6, { unitOffset: false }), [0, 4 * inv], 1e-6, "rms llama");
  });
  it("default is the Gemma form: zero weights are the identity scale", () => {
    const x = randNormal([3, 16], seededRng(31));
    expectClose(rmsNorm(x, Tensor.zeros([16])), rmsNorm(x, null), 0, "w = 0 under 1 + w");
    expectClose(rmsNorm(x, Tensor.full([16], 1), 1e-6, { unitOffset: false }), rmsNorm(x, null), 0, "w = 1 Llama");
  });
  it("matches x / sqrt(mean(x^2) + eps) * (1 + w) on random [2, 5, 64] with bf16 weight", () => {
    const rng = seededRng(32);
    const x = randNormal([2, 5, 64], rng, 3);
    const w = randNormal([64], rng, 0.1).to("bfloat16");
    const v = x.toArray();
    const ref: number[] = [];
    for (let r = 0; r < 10; r++) {
      const row = v.slice(r * 64, r * 64 + 64);
      const ms = row.reduce((s, a) => s + a * a, 0) / 64;
      row.forEach((a, i) => ref.push((a / Math.sqrt(ms + 1e-6)) * (1 + w.get(i))));
    }
    expectClose(rmsNorm(x, w, 1e-6), ref, 1e-5, "rms random");
  });
  it("eps matters for a zero row (0, not NaN); length-1 axis gives sign(x)", () => {
    expect(rmsNorm(Tensor.zeros([4]), null).toArray()).toEqual([0, 0, 0, 0]);
    expectClose(rmsNorm(Tensor.from([2, -3], [2, 1]), null, 0), [1, -1], 1e-7, "rms D=1");
  });
  it("rejects a weight of the wrong size", () => {
    expect(() => rmsNorm(Tensor.zeros([2, 4]), Tensor.zeros([3]))).toThrow(ShapeError);
  });
});
