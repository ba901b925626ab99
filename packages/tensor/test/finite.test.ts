import { describe, expect, it } from "vitest";
import { NonFiniteError, Tensor, assertFinite, firstNonFinite } from "../src/index.ts";

describe("firstNonFinite / assertFinite", () => {
  it("finds the first NaN, +Infinity or -Infinity; -1 when all are finite (incl. -0 and float32 max)", () => {
    expect(firstNonFinite([1, -0, 3.4e38, -3.4e38])).toBe(-1);
    expect(firstNonFinite([])).toBe(-1);
    expect(firstNonFinite([0, 1, Number.NaN, Number.POSITIVE_INFINITY])).toBe(2);
    expect(firstNonFinite(new Float32Array([0, Number.NEGATIVE_INFINITY]))).toBe(1);
  });
  it("names where, the index in the tensor's shape and the value; bf16 / f16 tensors are checked as stored", () => {
    const t = Tensor.from([0, 1, 2, 3, 4, Number.NaN], [2, 3]);
    expect(() => assertFinite(t, "logits")).toThrow(NonFiniteError);
    expect(() => assertFinite(t, "logits")).toThrow(/^logits: value NaN at \[1, 2\] of a \[2, 3\] tensor/);
    const err = (() => {
      try {
        assertFinite(Tensor.from([1, Number.POSITIVE_INFINITY], [1, 1, 2]).to("bfloat16"), "x");
      } catch (e) {
        return e as NonFiniteError;
      }
    })();
    expect(err?.where).toBe("x");
    expect(err?.code).toBe("E_NON_FINITE");
    expect(err?.message).toMatch(/value Infinity at \[0, 0, 1\]/);
    expect(() => assertFinite(Tensor.from([1e4, -1e4]).to("float16"), "ok")).not.toThrow();
    expect(() => assertFinite(Tensor.from([1e5]).to("float16"), "f16 overflow")).toThrow(/Infinity/); // past f16's 65504
  });
});
