import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, linear, linearBackward, matmul, matmulBackward, randNormal, seededRng } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";
import { expectGrad } from "./grad_expect.ts";

describe.each([
  { x: [2, 3, 5], out: 4, bias: true },
  { x: [2, 3, 5], out: 4, bias: false },
  { x: [5], out: 3, bias: true },
  { x: [1, 1, 1], out: 1, bias: true },
  { x: [7, 1], out: 6, bias: false },
])("linearBackward x $x -> $out (bias $bias)", ({ x: xShape, out, bias }) => {
  it("matches finite differences for x, W and b", () => {
    const rng = seededRng(xShape.reduce((p, d) => p * d, out));
    const x = randNormal(xShape, rng);
    const w = randNormal([out, xShape[xShape.length - 1]], rng, 0.5);
    const b = randNormal([out], rng, 0.5);
    expectGrad(`linear x [${xShape}] -> ${out}${bias ? " + b" : ""}`, ([xx, ww, bb]) => linear(xx, ww, bias ? bb : null), ([xx, ww], g) => {
      const r = linearBackward(g, xx, ww, bias);
      return [r.dx, r.dweight, r.dbias];
    }, [x, w, b]);
  });
});

describe("linearBackward", () => {
  it("equals matmulBackward of x @ W^T, and db is the row sum of dout", () => {
    const rng = seededRng(3);
    const x = randNormal([4, 6], rng);
    const w = randNormal([5, 6], rng);
    const g = randNormal([4, 5], rng);
    const lin = linearBackward(g, x, w, true);
    const mm = matmulBackward(g, x, w.transpose());
    expectClose(lin.dx, mm.da, 1e-5, "dx");
    expectClose(lin.dweight, mm.db.transpose(), 1e-5, "dW");
    expectClose(lin.dbias!, matmul(Tensor.full([1, 4], 1), g), 1e-5, "db");
    expect(linearBackward(g, x, w, false).dbias).toBeNull();
  });
  it("rejects mismatched shapes, naming them", () => {
    expect(() => linearBackward(Tensor.zeros([4, 5]), Tensor.zeros([4, 7]), Tensor.zeros([5, 6]), false)).toThrow(/x \[4, 7\]/);
    expect(() => linearBackward(Tensor.zeros([4, 4]), Tensor.zeros([4, 6]), Tensor.zeros([5, 6]), false)).toThrow(ShapeError);
  });
});
