/**
 * random_choice.ts — the few ways the world draws from a uniform [0, 1) generator.
 *
 * Teaches: every random decision in a scene goes through one seeded generator (`seededRng` from
 * @paligemma-ts/tensor, mulberry32), in a fixed order, so a seed names exactly one scene.
 *
 *   randInt(lo, hi)   = lo + floor(u * (hi - lo + 1))          (inclusive)
 *   pick(xs)          = xs[floor(u * n)]
 *   pickWeighted(ws)  = the first i with u * sum(w) < w_0 + ... + w_i
 *
 * Leaves out: anything cryptographic; a bias of at most n / 2^32 from the float resolution.
 */
import { ArgumentError, type Rng } from "@paligemma-ts/tensor";

/** Uniform integer in lo..hi (inclusive). */
export function randInt(rng: Rng, lo: number, hi: number): number {
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new ArgumentError(`randInt: need integers lo <= hi, got ${lo}, ${hi}`);
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** One element, uniformly. */
export function pick<T>(rng: Rng, xs: readonly T[]): T {
  if (xs.length === 0) throw new ArgumentError("pick: the list is empty");
  return xs[Math.floor(rng() * xs.length)];
}

/** An index drawn with probability proportional to its weight. */
export function pickWeighted(rng: Rng, weights: readonly number[]): number {
  let total = 0;
  for (const w of weights) {
    if (!(Number.isFinite(w) && w >= 0)) throw new ArgumentError(`pickWeighted: weights must be finite and >= 0, got ${JSON.stringify(weights)}`);
    total += w;
  }
  if (total <= 0) throw new ArgumentError(`pickWeighted: weights must not all be 0, got ${JSON.stringify(weights)}`);
  let u = rng() * total;
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i];
    if (u < 0) return i;
  }
  return weights.length - 1; // float round-off at the very top
}
