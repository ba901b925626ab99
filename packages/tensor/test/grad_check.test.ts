import { describe, expect, it } from "vitest";
import { ArgumentError, ShapeError, Tensor, gradCheck, mul, mulBackward, randNormal, seededRng, softmax, softmaxBackward } from "../src/index.ts";
import { GRAD_TOL, expectGrad } from "./grad_expect.ts";

// The checker must be able to fail: deliberately wrong gradients must land far above GRAD_TOL.
describe("gradCheck", () => {
  const x = randNormal([4, 7], seededRng(1));
  const y = randNormal([4, 7], seededRng(2));
  const fwd = ([a]: Tensor[]) => softmax(a, -1);
  const right = ([a]: Tensor[], g: Tensor) => [softmaxBackward(g, softmax(a, -1), -1)];

  it("passes a right gradient", () => {
    expectGrad("softmax (right)", fwd, right, [x]);
  });
  it("catches a sign flip, a 1% scale error, a dropped term and one wrong element", () => {
    const wrong: Record<string, (a: Tensor[], g: Tensor) => Tensor[]> = {
      "sign flip": (a, g) => [mul(right(a, g)[0], -1)],
      "scaled by 1.01": (a, g) => [mul(right(a, g)[0], 1.01)],
      "dropped sum term": ([a], g) => [mul(softmax(a, -1), g)], // y * dy, without - sum(dy * y)
      "one element off": (a, g) => {
        const d = right(a, g)[0].clone();
        (d.data as Float32Array)[5] += 0.1;
        return [d];
      },
    };
    for (const [what, bad] of Object.entries(wrong)) {
      const r = gradCheck(fwd, bad, [x]);
      console.log(`gradCheck catches "${what}": max rel err ${r.maxRelErr.toExponential(2)} (tol ${GRAD_TOL})`);
      expect(r.maxRelErr, what).toBeGreaterThan(10 * GRAD_TOL);
    }
  });
  it("checks several inputs independently and skips null gradients", () => {
    const f = ([a, b]: Tensor[]) => mul(a, b);
    const r = gradCheck(f, ([a, b], g) => [mulBackward(g, a, b).da, null], [x, y], { directions: 2 });
    expect(r.checks.map((c) => c.input)).toEqual([0, 0]);
    const bad = gradCheck(f, ([a, b], g) => [mulBackward(g, a, b).da, mulBackward(g, a, b).da], [x, y]);
    expect(bad.checks.filter((c) => c.input === 1 && c.relErr > 10 * GRAD_TOL).length).toBe(3); // b got a's gradient
  });
  it("rejects gradients of the wrong shape or count, and a bad step", () => {
    expect(() => gradCheck(fwd, () => [Tensor.zeros([7, 4])], [x])).toThrow(ShapeError);
    expect(() => gradCheck(fwd, () => [], [x])).toThrow(ArgumentError);
    expect(() => gradCheck(fwd, right, [x], { step: 0 })).toThrow(/step/);
  });
});
