// Tests for losses/similarity_logits.ts: unit rows, cosine similarities, scale and bias, errors.
import { ArgumentError, ShapeError, Tensor, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { l2NormalizeRows, similarityLogits } from "../src/index.ts";

describe("l2NormalizeRows", () => {
  it("gives unit rows pointing the same way", () => {
    const out = l2NormalizeRows(Tensor.from([3, 4, 0, -2], [2, 2]));
    expect(out.toArray()).toEqual([0.6, 0.8, 0, -1].map(Math.fround));
    const r = l2NormalizeRows(randNormal([5, 7], seededRng(1)));
    for (let i = 0; i < 5; i++) {
      const row = r.toArray().slice(i * 7, (i + 1) * 7);
      expect(Math.hypot(...row)).toBeCloseTo(1, 6);
    }
  });
  it("rejects a zero row, naming it", () => {
    expect(() => l2NormalizeRows(Tensor.from([1, 0, 0, 0], [2, 2]), "textEmbeds")).toThrow(/row 1 of textEmbeds/);
    expect(() => l2NormalizeRows(Tensor.from([1, 0, 0, 0], [2, 2]))).toThrow(ArgumentError);
  });
});

describe("similarityLogits", () => {
  it("is t * cosine + b", () => {
    // cos([1, 0], [1, 1]) = 1/sqrt(2); cos([0, 2], [1, 1]) = 1/sqrt(2); cos(., [0, -1]) = 0, -1
    const img = Tensor.from([1, 0, 0, 2], [2, 2]);
    const txt = Tensor.from([1, 1, 0, -1], [2, 2]);
    const logits = similarityLogits(img, txt, 10, -3);
    expect(logits.shape).toEqual([2, 2]);
    const s = Math.SQRT1_2;
    const expected = [10 * s - 3, -3, 10 * s - 3, -13];
    logits.toArray().forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
  });
  it("allows different batch sizes (rectangular [N_img, N_txt])", () => {
    expect(similarityLogits(Tensor.from([1, 0, 0, 1, 1, 1], [3, 2]), Tensor.from([1, 0], [1, 2]), 1).shape).toEqual([3, 1]);
  });
  it("rejects mismatched widths and a bad scale or bias", () => {
    const a = Tensor.from([1, 0], [1, 2]);
    expect(() => similarityLogits(a, Tensor.from([1, 0, 0], [1, 3]), 1)).toThrow(ShapeError);
    expect(() => similarityLogits(a, a, 0)).toThrow(/logit scale t/);
    expect(() => similarityLogits(a, a, Infinity)).toThrow(ArgumentError);
    expect(() => similarityLogits(a, a, 1, NaN)).toThrow(/bias/);
  });
});
