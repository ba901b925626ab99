/**
 * random.ts — a small seeded random number generator, so tests, sampling and benchmarks reproduce.
 *
 * mulberry32 for uniform floats in [0, 1), Box-Muller for normals.
 * Reference: https://gist.github.com/tommyettinger/46a874533244883189143505d203312c (mulberry32).
 */
import { Tensor, type Shape, numel } from "./tensor.ts";

export type Rng = () => number;

/** A deterministic uniform [0, 1) generator from a 32-bit seed. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0;
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
