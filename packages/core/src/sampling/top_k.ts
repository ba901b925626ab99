/**
 * top_k.ts — top-k filtering: only the k highest logits may be sampled.
 *
 * Teaches: cutting the long tail of unlikely tokens before sampling.
 *
 *   threshold = the k-th largest logit
 *   x'_i = x_i          if x_i >= threshold
 *        = -Infinity    otherwise            (so softmax gives it probability 0)
 *
 * Like Hugging Face's TopKLogitsWarper the test is "x_i < threshold -> removed", so tokens tied
 * with the k-th value are all kept (more than k may survive on ties). k = 0 or k >= V keeps all.
 *
 * Only the threshold is needed, not the sorted indices the tensor package's `topk` op returns, so
 * this sorts a copy of the values with the native numeric typed-array sort (much faster at V = 257k).
 *
 * Reference: Fan et al. 2018, "Hierarchical Neural Story Generation", https://arxiv.org/abs/1805.04833;
 * Hugging Face TopKLogitsWarper, https://github.com/huggingface/transformers/blob/main/src/transformers/generation/logits_process.py
 * Leaves out: min_tokens_to_keep (k >= 1 always keeps at least one token).
 */
import { assertLogits, assertTopK } from "./validate.ts";

/** A new array where every logit below the k-th largest is -Infinity. k = 0 means no filter. */
export function topKFilter(logits: Float32Array, k: number): Float32Array {
  assertLogits(logits, "topKFilter");
  assertTopK(k, "topKFilter");
  const out = logits.slice();
  if (k === 0 || k >= logits.length) return out;
  // Sort a copy descending; the k-th largest is at position k - 1. O(V log V): simple, and fast
  // enough for a 257k vocabulary once per generated token.
  const sorted = logits.slice().sort().reverse(); // typed-array sort is numeric
  const threshold = sorted[k - 1];
  for (let i = 0; i < out.length; i++) if (out[i] < threshold) out[i] = -Infinity;
  return out;
}
