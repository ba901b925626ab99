/**
 * expect_close.ts — a test assertion that prints the max-abs difference when it fails
 * (and on success when DEBUG_DIFF is set), so a failing comparison says by how much.
 */
import { expect } from "vitest";
import { type Tensor, maxAbsDiff } from "../src/index.ts";

export function expectClose(actual: Tensor | ArrayLike<number>, expected: Tensor | ArrayLike<number>, atol: number, label = ""): number {
  const d = maxAbsDiff(actual, expected);
  if (process.env.DEBUG_DIFF) console.log(`${label} maxdiff=${d.toExponential(3)} (atol ${atol})`);
  expect(d, `${label} maxAbsDiff ${d} > atol ${atol}`).toBeLessThanOrEqual(atol);
  return d;
}

/** Shape check that works with readonly shapes. */
export function expectShape(t: Tensor, shape: number[]): void {
  expect([...t.shape]).toEqual(shape);
}
