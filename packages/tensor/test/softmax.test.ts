import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, logSoftmax, logsumexp, randNormal, seededRng, softmax, sum } from "../src/index.ts";
import { expectClose, expectShape } from "./expect_close.ts";

/** Independent slow softmax along `axis` via Tensor.get on every row, float64, no max subtraction. */
function naiveSoftmax(x: Tensor, axis: number): number[] {
  const out = new Array<number>(x.size);
  const st = x.strides;
  for (let f = 0; f < x.size; f++) {
    const idx = x.shape.map((_, d) => Math.floor(f / st[d]) % x.shape[d]);
    let z = 0;
    for (let i = 0; i < x.shape[axis]; i++) z += Math.exp(x.get(...idx.map((v, d) => (d === axis ? i : v))));
    out[f] = Math.exp(x.get(...idx)) / z;
  }
  return out;
}

describe("softmax", () => {
  it("hand values: softmax([1, 2, 3])", () => {
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const z = e[0] + e[1] + e[2];
    expectClose(softmax(Tensor.from([1, 2, 3])), e.map((v) => v / z), 1e-7, "softmax 123");
  });
  it.each([0, 1, 2, -1])("matches the naive formula on random [3, 4, 5] along axis %i", (axis) => {
    const x = randNormal([3, 4, 5], seededRng(11));
    const a = axis < 0 ? axis + 3 : axis;
    const y = softmax(x, axis);
    expectShape(y, [3, 4, 5]);
    expectClose(y, naiveSoftmax(x, a), 1e-6, `softmax axis ${axis}`);
    expectClose(sum(y, axis), Tensor.full(x.shape.filter((_, d) => d !== a), 1), 1e-6, "rows sum to 1");
  });
  it("huge magnitudes (1e4) give exact one-hots, not NaN", () => {
    const y = softmax(Tensor.from([1e4, 0, -1e4, 1e4 - 1], [1, 4]));
    expect(y.toArray().every(Number.isFinite)).toBe(true);
    expectClose(y, [1 / (1 + Math.exp(-1)), 0, 0, Math.exp(-1) / (1 + Math.exp(-1))], 1e-6, "softmax 1e4");
    expect(softmax(Tensor.from([-1e4, -1e4])).toArray()).toEqual([0.5, 0.5]);
  });
  it("length-1 axis gives 1; -Infinity entries give 0; an all -Infinity row is NaN (like PyTorch)", () => {
    expect(softmax(Tensor.from([5, -7, 0], [3, 1])).toArray()).toEqual([1, 1, 1]);
    expect(softmax(Tensor.from([0, -Infinity])).toArray()).toEqual([1, 0]);
    expect(softmax(Tensor.from([-Infinity, -Infinity])).toArray().every(Number.isNaN)).toBe(true);
  });
  it("rejects an out-of-range axis", () => {
    expect(() => softmax(Tensor.zeros([2, 3]), 2)).toThrow(ShapeError);
  });
});

describe("logSoftmax", () => {
  it("equals log(softmax) where that is finite, and stays finite where it underflows", () => {
    const x = randNormal([4, 6], seededRng(12), 3);
    expectClose(logSoftmax(x, 1), softmax(x, 1).toArray().map(Math.log), 1e-5, "log softmax");
    const y = logSoftmax(Tensor.from([0, -200, 1e4]));
    expectClose(y, [-1e4, -1e4 - 200, 0], 1e-3, "logSoftmax extreme");
    expectClose(logSoftmax(x, 0), naiveSoftmax(x, 0).map(Math.log), 1e-5, "log softmax axis 0");
  });
});

describe("logsumexp", () => {
  it("hand values and keepdims", () => {
    expectClose(logsumexp(Tensor.from([0, 0])), [Math.LN2], 1e-7, "lse [0,0]");
    const x = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = logsumexp(x, 0, true);
    expectShape(y, [1, 3]);
    expectClose(y, [1, 2, 3].map((v) => Math.log(Math.exp(v) + Math.exp(v + 3))), 1e-6, "lse axis 0");
    expectShape(logsumexp(x), [2]);
  });
  it("1e4 magnitudes, all -Infinity (-> -Infinity) and +Infinity (-> +Infinity)", () => {
    expectClose(logsumexp(Tensor.from([1e4, 1e4])), [1e4 + Math.LN2], 1e-3, "lse 1e4");
    expect(logsumexp(Tensor.from([-Infinity, -Infinity])).toArray()).toEqual([-Infinity]);
    expect(logsumexp(Tensor.from([Infinity, 0])).toArray()).toEqual([Infinity]);
  });
  it("matches log(sum(exp)) on random input", () => {
    const x = randNormal([5, 7], seededRng(13));
    const ref = [0, 1, 2, 3, 4].map((r) => Math.log([...Array(7).keys()].reduce((s, c) => s + Math.exp(x.get(r, c)), 0)));
    expectClose(logsumexp(x, -1), ref, 1e-6, "lse random");
  });
});
