/**
 * greedy.ts — greedy decoding: always pick the most likely next token.
 *
 * Teaches: the argmax of the logits is the argmax of the probabilities (softmax is monotonic),
 * so greedy decoding never needs a softmax.
 *
 *   next = argmax_i logits[i]          (ties: the lowest index wins, like torch.argmax / np.argmax)
 *
 * Reference: https://huggingface.co/docs/transformers/generation_strategies#greedy-search
 * Leaves out: beam search (greedy is beam search with one beam).
 */
import { assertLogits } from "./validate.ts";

/** Index of the first maximum of `logits`. All -Infinity returns 0. */
export function greedy(logits: Float32Array): number {
  assertLogits(logits, "greedy");
  let best = 0;
  let bestValue = logits[0];
  for (let i = 1; i < logits.length; i++) {
    if (logits[i] > bestValue) {
      // strict ">": a later tie never replaces the first maximum
      best = i;
      bestValue = logits[i];
    }
  }
  return best;
}
