/**
 * matmul_backward.ts — gradients of a batched matrix product with broadcast batch axes.
 *
 * Teaches: for C = A @ B (A [M, K], B [K, N]) each C[i, j] = sum_k A[i, k] B[k, j], so
 *   dA[i, k] = sum_j dC[i, j] B[k, j]      dA = dC @ B^T        [M, N] @ [N, K] -> [M, K]
 *   dB[k, j] = sum_i A[i, k] dC[i, j]      dB = A^T @ dC        [K, M] @ [M, N] -> [K, N]
 * (a shape check is the whole derivation: only one product of dC with B has A's shape).
 * With batch axes the forward broadcasts [2, 1, M, K] @ [3, K, N] -> [2, 3, M, N]; each batched
 * product above then has the output's batch shape, and `unbroadcast` sums it back to each input's
 * (a batch matrix of A reused for 3 products of B gets the sum of their 3 gradients).
 *
 * References: PyTorch derivatives.yaml (`matmul`, `mm`); llm.c `matmul_backward`;
 * Karpathy, "Backprop ninja" (the shape trick for matrix gradients).
 * Leaves out: rank-1 operands (the forward rejects them too).
 */
import { ShapeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { broadcastShapes } from "./binary.ts";
import { unbroadcast } from "./binary_backward.ts";
import { matmul } from "./matmul.ts";

/** dout [...batch, M, N] for a [...batchA, M, K] @ b [...batchB, K, N] -> da (a's shape), db (b's shape). */
export function matmulBackward(dout: Tensor, a: Tensor, b: Tensor): { da: Tensor; db: Tensor } {
  const s = (t: Tensor) => `[${t.shape.join(", ")}]`;
  if (a.rank < 2 || b.rank < 2 || a.shape[a.rank - 1] !== b.shape[b.rank - 2]) {
    throw new ShapeError(`matmulBackward: a ${s(a)} @ b ${s(b)} is not a matrix product (rank >= 2, inner dimensions equal)`);
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const outShape = [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]];
  if (outShape.join() !== dout.shape.join()) {
    throw new ShapeError(`matmulBackward: dout is ${s(dout)}, a ${s(a)} @ b ${s(b)} is [${outShape.join(", ")}]`);
  }
  const da = matmul(dout, b.transpose(-2, -1)); // [...batch, M, N] @ [...batchB, N, K] -> [...batch, M, K]
  const db = matmul(a.transpose(-2, -1), dout); // [...batchA, K, M] @ [...batch, M, N] -> [...batch, K, N]
  return { da: unbroadcast(da, a.shape), db: unbroadcast(db, b.shape) };
}
