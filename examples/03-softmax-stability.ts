/**
 * 03-softmax-stability.ts — why softmax subtracts the max, why log-probabilities come from
 * log-sum-exp, and why cross-entropy is computed from logits, never from probabilities.
 *
 * Run: pnpm example 3        Lesson: docs/03-softmax-stability.md
 */
import { Tensor, logSoftmax, logsumexp, runOps, softmax } from "@paligemma-ts/tensor";
import { crossEntropy } from "@paligemma-ts/core";

const fmt = (xs: ArrayLike<number>) => `[${Array.from(xs, (v) => (Number.isFinite(v) ? v.toFixed(4) : String(v))).join(", ")}]`;

/** The textbook formula e^x_i / sum_j e^x_j, every step rounded to float32 like a GPU/CPU kernel. */
function naiveSoftmaxF32(x: readonly number[]): Float32Array {
  const e = Float32Array.from(x, (v) => Math.exp(v)); // rounds to float32: e^89 > 3.4e38 -> Infinity
  let s = 0;
  for (const v of e) s = Math.fround(s + v);
  return e.map((v) => v / s);
}

// 1. Overflow: float32 e^x overflows past x = 88.7.
console.log(`float32 max ${(2 - 2 ** -23) * 2 ** 127} ; e^88 = ${Math.fround(Math.exp(88)).toExponential(3)} ; e^89 in float32 = ${Math.fround(Math.exp(89))}`);
const big = [90, 89, 88];
console.log(`naive softmax[${big.join(", ")}] = ${fmt(naiveSoftmaxF32(big))}   (inf / inf)`);
console.log(`max-shifted softmax[${big.join(", ")}] = ${fmt(softmax(Tensor.from(big)).data as Float32Array)}   (= softmax[2, 1, 0])`);

// 2. Underflow: every e^x rounds to 0, the sum is 0, and 0 / 0 = NaN.
const small = [-110, -111, -112];
console.log(`naive softmax[${small.join(", ")}] = ${fmt(naiveSoftmaxF32(small))}   (0 / 0)`);
console.log(`max-shifted softmax[${small.join(", ")}] = ${fmt(softmax(Tensor.from(small)).data as Float32Array)}`);

// 3. log(softmax) loses tiny probabilities; log_softmax = x - logsumexp(x) keeps them.
const x = Tensor.from([0, -120]);
const p = softmax(x).data as Float32Array;
console.log(`softmax[0, -120] = ${fmt(p)} ; log of it = ${fmt(p.map(Math.log))}`);
console.log(`log_softmax[0, -120] = ${fmt(logSoftmax(x).data as Float32Array)}`);
console.log(`logsumexp[1000, 1000] = ${logsumexp(Tensor.from([1000, 1000])).item().toFixed(4)} (naive log(e^1000 + e^1000) = ${Math.log(Math.exp(1000) * 2)})`);

// 4. Cross-entropy: -log p[target]. From probabilities it is infinite; from logits it is exact.
const logits = Tensor.from([0, -120, 5, 3], [2, 2]); // 2 rows, 2 classes
const targets = [1, 0];
const fromProbs = [0, 1].map((n) => -Math.log(softmax(logits.slice(0, n, n + 1)).get(0, targets[n])));
const fromLogits = crossEntropy(logits, targets, { reduction: "none" });
console.log(`cross-entropy per row from probabilities: ${fmt(Float32Array.from(fromProbs))}`);
console.log(`cross-entropy per row from logits (logsumexp - x[target]): ${fmt(fromLogits)}`);
console.log(`mean cross-entropy: ${crossEntropy(logits, targets).toFixed(4)}`);

// 5. The ONNX Softmax kernel is max-shifted too.
const onnx = await runOps("onnx", (ops, v) => ops.softmax(v.x), { x: Tensor.from([...big, ...small], [2, 3]) }); // one ONNX Softmax node
console.log(`onnx Softmax rows: ${fmt(onnx.data.subarray(0, 3) as Float32Array)} ${fmt(onnx.data.subarray(3) as Float32Array)}`);
