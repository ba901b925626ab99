/**
 * top_p.ts — nucleus (top-p) filtering: keep the most likely tokens that together hold mass p.
 *
 * Teaches: unlike top-k, the number of kept tokens adapts to how peaked the distribution is.
 *
 *   p_i = softmax(x)_i                       (x: the logits after temperature, and top-k if any)
 *   sort tokens by p descending (ties: lower index first): p_(1) >= p_(2) >= ...
 *   keep the smallest prefix (1)..(m) with p_(1) + ... + p_(m) >= p;  always keep at least (1)
 *   x'_i = x_i if kept, -Infinity otherwise
 *
 * Equivalently (Hugging Face's TopPLogitsWarper): token (j) is kept iff the mass strictly before
 * it in the sorted order is < p. p = 1 keeps every token.
 *
 * Reference: Holtzman et al. 2019, "The Curious Case of Neural Text Degeneration", https://arxiv.org/abs/1904.09751;
 * Hugging Face TopPLogitsWarper, https://github.com/huggingface/transformers/blob/main/src/transformers/generation/logits_process.py
 * Leaves out: min_tokens_to_keep (always 1), min-p and typical sampling.
 */
import { softmaxProbs } from "./categorical.ts";
import { assertLogits, assertTopP } from "./validate.ts";

/** A new array where every logit outside the top-p nucleus is -Infinity. */
export function topPFilter(logits: Float32Array, p: number): Float32Array {
  assertLogits(logits, "topPFilter");
  assertTopP(p, "topPFilter");
  const out = logits.slice();
  if (p === 1) return out;
  const probs = softmaxProbs(logits, "topPFilter");
  // Walk the probabilities in descending order (a native numeric sort of a copy) until the kept
  // mass reaches p. The first token is always kept (mass 0 < p).
  const sorted = probs.slice().sort().reverse();
  let kept = 0;
  let mass = 0;
  while (kept < sorted.length && mass < p) mass += sorted[kept++];
  // Keep every token above the last kept probability, and the first few (lowest index) tied with it.
  const threshold = sorted[kept - 1];
  let ties = 0;
  for (let j = 0; j < kept; j++) if (sorted[j] === threshold) ties++;
  const keep = new Uint8Array(logits.length);
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] > threshold) keep[i] = 1;
    else if (probs[i] === threshold && ties > 0) {
      keep[i] = 1;
      ties--;
    }
  }
  for (let i = 0; i < out.length; i++) if (!keep[i]) out[i] = -Infinity;
  return out;
}
