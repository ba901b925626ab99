/**
 * cross_entropy_backward.ts — the gradient of cross-entropy w.r.t. the logits: softmax minus one-hot.
 *
 * Teaches: loss_n = logsumexp(x_n) - x_n[y_n] and d logsumexp(x)/dx_j = softmax(x)_j, so
 *   d loss_n / d x_n[j] = softmax(x_n)_j - [j == y_n]
 * The whole row moves: the target's logit is pushed up by 1 - p_y, every other logit down by its
 * own probability; the row of gradients sums to 0. Then the reduction scales each row:
 *   "mean": dlogits_n = dloss * (softmax(x_n) - onehot(y_n)) / count   (count = rows not ignored)
 *   "sum" : dlogits_n = dloss * (softmax(x_n) - onehot(y_n))
 *   "none": dlogits_n = dloss[n] * (softmax(x_n) - onehot(y_n))        (dloss one value per row)
 * Ignored rows get 0. With "mean" and every row ignored the forward is NaN (0 / 0); the gradient is
 * all zeros, like PyTorch's (nll_loss_backward skips ignored rows before dividing), so one empty
 * batch cannot poison the weights. softmax is computed as exp(x - logsumexp(x)) in float64 from the
 * same max-shifted logsumexp as the forward.
 *
 * References: Karpathy, "Backprop ninja" (dlogits = softmax(logits); dlogits[range(n), Yb] -= 1; dlogits /= n);
 * llm.c `crossentropy_softmax_backward`; PyTorch derivatives.yaml (`nll_loss`, `_log_softmax`).
 * Leaves out: class weights, label smoothing, soft targets.
 */
import { ArgumentError, Tensor } from "@paligemma-ts/tensor";
import { type CrossEntropyOptions, checkCrossEntropy, rowLogSumExp } from "./cross_entropy.ts";

/**
 * dL/dlogits [N, V] for L = crossEntropy(logits, targets, options); dloss is dL/dloss: a number for
 * "mean" / "sum" (default 1), N numbers for "none" (default all 1).
 */
export function crossEntropyBackward(logits: Tensor, targets: readonly number[], options: CrossEntropyOptions = {}, dloss: number | ArrayLike<number> = 1): Tensor {
  const { V, ignoreIndex, reduction } = checkCrossEntropy("crossEntropyBackward", logits, targets, options);
  const N = targets.length;
  if (reduction === "none" ? typeof dloss !== "number" && dloss.length !== N : typeof dloss !== "number") {
    throw new ArgumentError(`crossEntropyBackward: dloss must be ${reduction === "none" ? `a number or ${N} numbers (one per row)` : "a number"} for reduction "${reduction}"`);
  }
  const count = targets.filter((y) => y !== ignoreIndex).length;
  const rowScale = (n: number): number => {
    if (typeof dloss !== "number") return dloss[n];
    return reduction === "mean" ? dloss / count : dloss; // count = 0: every row is ignored, never used
  };
  const x = logits.toFloat32();
  const dx = new Float32Array(N * V); // [N, V]
  for (let n = 0; n < N; n++) {
    const y = targets[n];
    if (y === ignoreIndex) continue;
    const s = rowScale(n);
    const lse = rowLogSumExp(x, n * V, V);
    for (let j = 0; j < V; j++) dx[n * V + j] = s * (Math.exp(x[n * V + j] - lse) - (j === y ? 1 : 0)); // p_j - [j == y]
  }
  return new Tensor("float32", [N, V], dx);
}
