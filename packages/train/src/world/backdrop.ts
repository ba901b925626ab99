/**
 * backdrop.ts — what every scene shares: a background tint and per-pixel noise.
 *
 * Teaches: nuisance variation the model must learn to ignore. A backdrop is drawn first in every
 * scene (shapes or text), from the scene's own generator:
 *
 *   background = jitter(BACKGROUNDS[uniform index], backgroundJitter)
 *   noise      = 0 with probability 1 - noiseProbability, else uniform integer in noiseMin..noiseMax
 *   noiseSeed  = uniform 32-bit integer; the renderer adds U{-noise..noise} to every channel of
 *                every pixel (objects included) from a generator seeded with it, so a scene value
 *                renders to the same bytes every time without storing the noise image
 *
 * Leaves out: gradients, textures, blur, JPEG artifacts.
 */
import type { Rng } from "@paligemma-ts/tensor";
import { BACKGROUNDS, type Rgb, jitterColor } from "./palette.ts";
import { pick, randInt } from "./random_choice.ts";
import type { WorldConfig } from "./world_config.ts";

export interface Backdrop {
  /** Background color after jitter. */
  background: Rgb;
  /** Per-pixel noise amplitude (0 = plain). */
  noise: number;
  /** Seed of the renderer's noise generator. */
  noiseSeed: number;
}

export function sampleBackdrop(rng: Rng, c: WorldConfig): Backdrop {
  const background = jitterColor(rng, pick(rng, BACKGROUNDS), c.backgroundJitter);
  const noise = rng() < c.noiseProbability ? randInt(rng, c.noiseMin, c.noiseMax) : 0;
  const noiseSeed = Math.floor(rng() * 2 ** 32) >>> 0;
  return { background, noise, noiseSeed };
}
