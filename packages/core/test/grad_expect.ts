/**
 * grad_expect.ts — core's copy of the tensor tests' assertion: gradCheck's worst relative error,
 * printed, under a stated tolerance (1e-4: 4-point central differences at 1% steps on float32
 * forwards measure ~1e-5; see @paligemma-ts/tensor autodiff/grad_check.ts).
 */
import { type GradCheckBackward, type GradCheckForward, type GradCheckOptions, type Tensor, gradCheck } from "@paligemma-ts/tensor";
import { expect } from "vitest";

export const GRAD_TOL = 1e-4;

export function expectGrad(label: string, f: GradCheckForward, b: GradCheckBackward, inputs: readonly Tensor[], tol = GRAD_TOL, options: GradCheckOptions = {}): number {
  const { maxRelErr, checks } = gradCheck(f, b, inputs, options);
  console.log(`${label}: max rel err ${maxRelErr.toExponential(2)} over ${checks.length} checks (tol ${tol})`);
  expect(checks.length > 0 && maxRelErr <= tol, `${label}: max rel err ${maxRelErr} > ${tol}`).toBe(true);
  return maxRelErr;
}
