/**
 * grad_expect.ts — the assertion every backward test makes: gradCheck's max relative error is under
 * a stated tolerance; the error is printed (label, worst error, number of checks) pass or fail.
 *
 * The tolerance GRAD_TOL is shared: with 4-point central differences at 1% of each input's RMS the
 * float32 forward's rounding and the O(h^4) truncation both stay near 1e-6 relative (measured worst
 * is printed by each test), so 1e-4 leaves a wide margin while a wrong gradient (a sign, a missing
 * term, one wrong element) lands at 1e-3 or far above (grad_check.test.ts shows it).
 */
import { expect } from "vitest";
import { type GradCheckBackward, type GradCheckForward, type GradCheckOptions, type Tensor, gradCheck } from "../src/index.ts";

export const GRAD_TOL = 1e-4;

export function expectGrad(label: string, forward: GradCheckForward, backward: GradCheckBackward, inputs: readonly Tensor[], tol = GRAD_TOL, options: GradCheckOptions = {}): number {
  const r = gradCheck(forward, backward, inputs, options);
  console.log(`${label}: max rel err ${r.maxRelErr.toExponential(2)} over ${r.checks.length} checks (tol ${tol})`);
  expect(r.checks.length, `${label}: nothing was checked`).toBeGreaterThan(0);
  expect(r.maxRelErr, `${label}: max rel err ${r.maxRelErr} > ${tol}`).toBeLessThanOrEqual(tol);
  return r.maxRelErr;
}
