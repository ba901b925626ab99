/**
 * contrastive_losses.ts — CLIP's softmax loss and SigLIP's sigmoid loss written against `Ops`, so
 * they run eagerly, in a graph, and inside a training step (their gradient is the graph's).
 *
 * Teaches: both losses score every (image, text) pair of a batch by the cosine similarity of their
 * embeddings, scaled by a learned temperature t = exp(log t):
 *   s      = t * normalize(I) normalize(T)^T                                  [N, N]
 *   CLIP   = ( CE(rows of s, diagonal) + CE(columns of s, diagonal) ) / 2      softmax over the batch:
 *            every image must pick its own caption among N, and every caption its image
 *   SigLIP = -(1/N) sum_ij log sigmoid( z_ij (s_ij + b) ),  z = +1 on the diagonal, -1 off it
 *            every pair is its own binary problem: no normalization over the batch, a learned bias b
 * normalize(x) = x / sqrt(sum(x^2) + eps). The eye (identity) matrix arrives as an input.
 * These are the plain-loop losses of @paligemma-ts/core (clip_loss.ts, siglip_loss.ts: the reference
 * the tests compare with), composed from Ops so autodiff can differentiate them.
 *
 * References: Radford et al. 2021 (CLIP, Figure 3); Zhai et al. 2023 (SigLIP, Algorithm 1).
 * Leaves out: chunked / multi-device variants.
 */
import type { Ops } from "@paligemma-ts/tensor";

/** Rows scaled to unit L2 norm: x [N, D] -> [N, D]. */
export function l2Normalize<T>(ops: Ops<T>, x: T, eps = 1e-12): T {
  return ops.div(x, ops.sqrt(ops.add(ops.reduceSum(ops.mul(x, x), [-1], true), eps)));
}

/** s = exp(logScale) * normalize(img) normalize(txt)^T: [N, N]. */
export function similarity<T>(ops: Ops<T>, img: T, txt: T, logScale: T): T {
  const cos = ops.matmul(l2Normalize(ops, img), ops.transpose(l2Normalize(ops, txt), [1, 0])); // [N, N]
  return ops.mul(cos, ops.exp(logScale));
}

/** CLIP loss of N matching pairs (see the header); `eye` is the [N, N] identity. */
export function clipLossOps<T>(ops: Ops<T>, img: T, txt: T, logScale: T, eye: T, N: number): T {
  const s = similarity(ops, img, txt, logScale); // [N, N]
  const rows = ops.reduceSum(ops.mul(ops.logSoftmax(s, 1), eye), [0, 1]); // sum_i log p(text i | image i)
  const cols = ops.reduceSum(ops.mul(ops.logSoftmax(s, 0), eye), [0, 1]); // sum_i log p(image i | text i)
  return ops.mul(ops.add(rows, cols), -0.5 / N);
}

/** SigLIP loss of N matching pairs (see the header); `eye` is the [N, N] identity. */
export function siglipLossOps<T>(ops: Ops<T>, img: T, txt: T, logScale: T, bias: T, eye: T, N: number): T {
  const logits = ops.add(similarity(ops, img, txt, logScale), bias); // [N, N]
  const z = ops.sub(ops.mul(eye, 2), 1); // +1 on the diagonal, -1 elsewhere
  return ops.mul(ops.reduceSum(ops.logSigmoid(ops.mul(z, logits)), [0, 1]), -1 / N);
}
