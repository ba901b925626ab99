/**
 * matmul.ts — batched matrix multiplication with broadcast batch dimensions.
 *
 * Teaches: C = A @ B for A [M, K], B [K, N]:
 *   C[i, j] = sum_k A[i, k] * B[k, j]
 * Leading "batch" dimensions broadcast like NumPy: [2, 1, M, K] @ [3, K, N] -> [2, 3, M, N].
 * The loop order i-k-j reads both A and B row by row (cache friendly) and accumulates a row of C
 * in float64, so the reference is at least as accurate as any float32 kernel it checks.
 *
 * Reference: https://numpy.org/doc/stable/reference/generated/numpy.matmul.html
 * Leaves out: rank-1 operands (NumPy's vector promotion); reshape to [1, K] / [K, 1] instead.
 */
import { ShapeError } from "../errors.ts";
import { Tensor, numel } from "../tensor.ts";
import { broadcastShapes, broadcastStrides } from "./binary.ts";

/** [...batchA, M, K] @ [...batchB, K, N] -> [...broadcast(batchA, batchB), M, N], float32. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.rank < 2 || b.rank < 2) {
    throw new ShapeError(`matmul: both operands need rank >= 2, got [${a.shape.join(", ")}] and [${b.shape.join(", ")}]`);
  }
  const [M, K] = a.shape.slice(-2);
  const [K2, N] = b.shape.slice(-2);
  if (K !== K2) {
    throw new ShapeError(`matmul: inner dimensions differ: [${a.shape.join(", ")}] @ [${b.shape.join(", ")}] (${K} vs ${K2})`);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShapes(batchA, batchB);
  } catch (e) {
    throw new ShapeError(`matmul: batch dimensions of [${a.shape.join(", ")}] and [${b.shape.join(", ")}] do not broadcast`);
  }
  const av = a.toFloat32();
  const bv = b.toFloat32();
  const nb = numel(batch);
  const out = new Float32Array(nb * M * N); // [...batch, M, N]
  // Batch strides counted in whole matrices (0 where a batch dim is broadcast).
  const sa = broadcastStrides(batchA, batch);
  const sb = broadcastStrides(batchB, batch);
  const acc = new Float64Array(N);
  for (let t = 0; t < nb; t++) {
    // Decompose the flat batch index t into a multi-index and find each operand's matrix.
    let rem = t;
    let ma = 0;
    let mb = 0;
    for (let d = batch.length - 1; d >= 0; d--) {
      const i = rem % batch[d];
      rem = (rem - i) / batch[d];
      ma += i * sa[d];
      mb += i * sb[d];
    }
    const aOff = ma * M * K;
    const bOff = mb * K * N;
    const cOff = t * M * N;
    for (let i = 0; i < M; i++) {
      acc.fill(0);
      for (let k = 0; k < K; k++) {
        const aik = av[aOff + i * K + k];
        const bRow = bOff + k * N;
        for (let j = 0; j < N; j++) acc[j] += aik * bv[bRow + j];
      }
      for (let j = 0; j < N; j++) out[cOff + i * N + j] = acc[j];
    }
  }
  return new Tensor("float32", [...batch, M, N], out);
}
