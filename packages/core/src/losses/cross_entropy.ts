/**
 * cross_entropy.ts — cross-entropy of logits against integer targets, computed with log-sum-exp.
 *
 * Teaches: why the loss is computed from logits (never from softmax probabilities) and how the
 * max-shift keeps it finite for logits of any size.
 *
 *   loss_n = -log softmax(x_n)[y_n] = logsumexp(x_n) - x_n[y_n]
 *   logsumexp(x) = m + log(sum_j exp(x_j - m)),   m = max_j x_j
 *
 *   reduction "mean": sum of loss_n over rows with y_n != ignoreIndex, divided by their count
 *                     (NaN if every row is ignored, like PyTorch)
 *   reduction "sum" : the same sum, undivided
 *   reduction "none": loss_n per row, 0 for ignored rows
 *
 * The arithmetic runs in float64 on the float32 values of the logits (bf16/f16 are widened first),
 * one row at a time. Why not the tensor package's float32 `logsumexp` op: at logits ~1e4 a float32
 * logsumexp is only known to ~1e-3 (its ulp), and that error lands on a loss of size ~1; here
 * m - x[y] is exact and only log(sum) is rounded. It also never allocates an [N, V] buffer.
 *
 * Reference: PyTorch torch.nn.functional.cross_entropy, https://pytorch.org/docs/stable/generated/torch.nn.functional.cross_entropy.html
 * Leaves out: class weights, label smoothing, soft (probability) targets. Gradients: cross_entropy_backward.ts.
 */
import { ArgumentError, ShapeError, type Tensor } from "@paligemma-ts/tensor";

export type Reduction = "mean" | "sum" | "none";

export interface CrossEntropyOptions {
  /** Rows whose target equals this id contribute nothing (default -100, PyTorch's). */
  ignoreIndex?: number;
  /** How per-row losses are combined (default "mean"). */
  reduction?: Reduction;
}

/** logsumexp of row `row` (length V, starting at `offset`) of a flat float32 buffer. */
export function rowLogSumExp(x: Float32Array, offset: number, V: number): number {
  let m = -Infinity;
  for (let j = 0; j < V; j++) if (x[offset + j] > m) m = x[offset + j];
  if (m === -Infinity || m === Infinity) return m; // all -inf: log 0; any +inf: +inf
  let s = 0;
  for (let j = 0; j < V; j++) s += Math.exp(x[offset + j] - m);
  return m + Math.log(s);
}

/**
 * The checks crossEntropy and its backward share: reduction, logits [N, V], N targets each a class id
 * in [0, V) or ignoreIndex. `where` names the caller in the messages.
 */
export function checkCrossEntropy(where: string, logits: Tensor, targets: readonly number[], options: CrossEntropyOptions): { V: number; ignoreIndex: number; reduction: Reduction } {
  const ignoreIndex = options.ignoreIndex ?? -100;
  const reduction = options.reduction ?? "mean";
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new ArgumentError(`${where}: reduction must be "mean", "sum" or "none", got ${String(reduction)}`);
  }
  if (logits.rank !== 2) throw new ShapeError(`${where}: logits must be [N, V], got [${logits.shape.join(", ")}]`);
  const [N, V] = logits.shape;
  if (targets.length !== N) throw new ShapeError(`${where}: ${targets.length} targets for ${N} rows of logits [${N}, ${V}]`);
  for (const [n, y] of targets.entries()) {
    if (y !== ignoreIndex && (!Number.isInteger(y) || y < 0 || y >= V)) {
      throw new ArgumentError(`${where}: targets[${n}] = ${y} is not a class id in [0, ${V}) nor ignoreIndex ${ignoreIndex}`);
    }
  }
  return { V, ignoreIndex, reduction };
}

/** Cross-entropy of logits [N, V] against N integer targets. */
export function crossEntropy(logits: Tensor, targets: readonly number[], options: CrossEntropyOptions & { reduction: "none" }): Float32Array;
export function crossEntropy(logits: Tensor, targets: readonly number[], options?: CrossEntropyOptions & { reduction?: "mean" | "sum" }): number;
export function crossEntropy(logits: Tensor, targets: readonly number[], options?: CrossEntropyOptions): number | Float32Array;
export function crossEntropy(logits: Tensor, targets: readonly number[], options: CrossEntropyOptions = {}): number | Float32Array {
  const { V, ignoreIndex, reduction } = checkCrossEntropy("crossEntropy", logits, targets, options);
  const N = targets.length;
  const x = logits.toFloat32();
  const losses = new Float32Array(N);
  let sum = 0;
  let count = 0;
  for (let n = 0; n < N; n++) {
    const y = targets[n];
    if (y === ignoreIndex) continue;
    const loss = rowLogSumExp(x, n * V, V) - x[n * V + y]; // [V] -> scalar
    losses[n] = loss;
    sum += loss;
    count++;
  }
  if (reduction === "none") return losses;
  if (reduction === "sum") return sum;
  return sum / count; // 0 / 0 = NaN when every target is ignored
}
