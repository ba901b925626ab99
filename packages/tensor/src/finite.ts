/**
 * finite.ts — find the first NaN or +-Infinity in a tensor, and refuse it as a result.
 *
 * Teaches: a float32 model that overflows (a bad eps, NaN weights, an exploding activation) keeps
 * running: NaN propagates through every later op and argmax / exp / mean turn it into a plausible
 * looking id or `null`. Checking one output (the logits) is a single pass; finding WHERE it started
 * is a second forward with a trace, paid only when the check failed.
 *
 * Reference: PyTorch `torch.autograd.detect_anomaly` (the same idea: locate the first non-finite op).
 */
import { NonFiniteError } from "./errors.ts";
import type { Tensor } from "./tensor.ts";

/** Index of the first value that is NaN or +-Infinity, or -1 when all are finite. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** Throw a NonFiniteError naming `where`, the flat index, its position in `t.shape` and the value, unless every value of `t` is finite. */
export function assertFinite(t: Tensor, where: string): void {
  const values = t.toFloat32();
  const i = firstNonFinite(values);
  if (i < 0) return;
  const at: number[] = [];
  for (let r = i, d = t.shape.length - 1; d >= 0; d--) {
    at.unshift(r % t.shape[d]);
    r = Math.floor(r / t.shape[d]);
  }
  throw new NonFiniteError(where, `${where}: value ${values[i]} at [${at.join(", ")}] of a [${t.shape.join(", ")}] tensor (a NaN or an overflow upstream; results with it would be wrong)`);
}
