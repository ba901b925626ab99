/**
 * random.ts — a small seeded random number generator, so tests, sampling and benchmarks reproduce.
 *
 * mulberry32 for uniform floats in [0, 1), Box-Muller for normals.
 *
 * Seeds: mulberry32's whole state is one 32-bit word, so there are exactly 2^32 different streams
 * and a seed is an integer in [0, 2^32 - 1] = [0, 4294967295]. Anything else (negative, fractional,
 * NaN, 2^32 or more) is refused with an ArgumentError naming `seed`: reducing it mod 2^32, as
 * `seed >>> 0` would, silently gives seed 4294967296 the stream of seed 0 and seed -1 the stream of
 * seed 4294967295.
 *
 * Reference: https://gist.github.com/tommyettinger/46a874533244883189143505d203312c (mulberry32).
 * Leaves out: generators with more state (xoshiro, PCG) that would allow 53- or 64-bit seeds.
 */
import { ArgumentError } from "./errors.ts";
import { Tensor, type Shape, numel } from "./tensor.ts";

export type Rng = () => number;

/** The largest seed: 2^32 - 1 (every seed in [0, MAX_SEED] is its own stream). */
export const MAX_SEED = 0xffffffff;

/** Throw an ArgumentError unless `seed` is an integer in [0, MAX_SEED]; `where` names the caller. */
export function assertSeed(seed: number, where = "seededRng"): void {
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new ArgumentError(`${where}: seed must be an integer in [0, ${MAX_SEED}] (2^32 - 1, one stream per seed), got ${seed}`);
  }
}

/** A deterministic uniform [0, 1) generator from a seed in [0, 2^32 - 1] (see the header). */
export function seededRng(seed: number): Rng {
  assertSeed(seed);
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** float32 tensor of uniform values in [low, high). */
export function randUniform(shape: Shape, rng: Rng, low = -1, high = 1): Tensor {
  const d = new Float32Array(numel(shape));
  for (let i = 0; i < d.length; i++) d[i] = low + (high - low) * rng();
  return new Tensor("float32", shape, d);
}

/** float32 tensor of normal values N(mean, std^2) by Box-Muller. */
export function randNormal(shape: Shape, rng: Rng, std = 1, mean = 0): Tensor {
  const d = new Float32Array(numel(shape));
  for (let i = 0; i < d.length; i += 2) {
    const u = 1 - rng(); // (0, 1]: log is finite
    const v = rng();
    const r = Math.sqrt(-2 * Math.log(u));
    d[i] = mean + std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < d.length) d[i + 1] = mean + std * r * Math.sin(2 * Math.PI * v);
  }
  return new Tensor("float32", shape, d);
}
