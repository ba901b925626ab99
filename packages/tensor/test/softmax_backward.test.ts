import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, logSoftmax, logSoftmaxBackward, randNormal, seededRng, softmax, softmaxBackward } from "../src/index.ts";
import { expectClose } from "./expect_close.ts";
import { expectGrad } from "./grad_expect.ts";

describe.each([
  { shape: [3, 4, 5], axis: -1 },
  { shape: [3, 4, 5], axis: 0 },
  { shape: [3, 4, 5], axis: 1 },
  { shape: [6], axis: 0 },
  { shape: [4, 1], axis: -1 }, // length-1 axis: softmax is constant 1, gradient 0
  { shape: [1, 4], axis: 0 },
])("softmax / logSoftmax backward $shape along $axis", ({ shape, axis }) => {
  const x = randNormal(shape, seededRng(shape.length * 10 + axis + 3), 2);
  it("softmax matches finite differences", () => {
    expectGrad(`softmax [${shape}] axis ${axis}`, ([xx]) => softmax(xx, axis), ([xx], g) => [softmaxBackward(g, softmax(xx, axis), axis)], [x]);
  });
  it("logSoftmax matches finite differences", () => {
    expectGrad(`logSoftmax [${shape}] axis ${axis}`, ([xx]) => logSoftmax(xx, axis), ([xx], g) => [logSoftmaxBackward(g, logSoftmax(xx, axis), axis)], [x]);
  });
});

describe("softmax backward with -Infinity entries (masked logits)", () => {
  const x = Tensor.from([0.3, -Infinity, 1.2, -0.5, -Infinity, -Infinity, 2, 0.1], [2, 4]);
  it("the masked entries get exactly 0, the rest match finite differences", () => {
    const g = randNormal([2, 4], seededRng(4));
    const dx = softmaxBackward(g, softmax(x), -1).toArray();
    expect([dx[1], dx[4], dx[5]].map(Math.abs)).toEqual([0, 0, 0]);
    expectGrad("softmax with -Infinity", ([xx]) => softmax(xx), ([xx], gg) => [softmaxBackward(gg, softmax(xx))], [x]);
    const dl = logSoftmaxBackward(g, logSoftmax(x)).toArray();
    expect(dl[1]).toBe(g.toArray()[1]); // dx = dy - exp(-inf) * sum(dy) = dy: an -inf logit's own slope is 1
  });
  it("a constant added to dout changes nothing (rows of softmax sum to 1)", () => {
    const y = softmax(randNormal([3, 5], seededRng(5)));
    const g = randNormal([3, 5], seededRng(6));
    const shifted = Tensor.from(g.toArray().map((v) => v + 7), [3, 5]);
    expectClose(softmaxBackward(shifted, y), softmaxBackward(g, y), 1e-5, "shift");
  });
  it("rejects a dout of another shape", () => {
    expect(() => softmaxBackward(Tensor.zeros([2, 3]), Tensor.zeros([3, 2]))).toThrow(ShapeError);
    expect(() => logSoftmaxBackward(Tensor.zeros([2, 3]), Tensor.zeros([2, 3]), 2)).toThrow(ShapeError);
  });
});
