/**
 * world_config.ts — the knobs of the synthetic world, and why their defaults are what they are.
 *
 * Teaches: a from-scratch model learns only what its data makes learnable. The PyTorch pilot
 * (shared/DESIGN.md section 9, "Planning evidence") used 48x48 images, 12-20 px shapes and 8 px
 * patches: objects spanned 1.5-2.5 patches, the tiny ViT never learned shape identity, and OCR of
 * 5x7 text at 48 px stayed under 10%. The defaults below answer those two findings:
 *
 *   image 64 x 64 RGB, patch 8      -> 8 x 8 = 64 image tokens (the pilot had 36)
 *   object sizes 16 / 24 / 32 px    -> 2-4 patches per side (4-16 patches of area), so every
 *                                      shape has interior patches and edge patches to learn from
 *   positions on a 4 px grid        -> every object and text line starts at x, y in {0, 4, 8, ...}:
 *                                      relative to an 8 px patch a shape or glyph appears at only
 *                                      2 x 2 sub-patch phases instead of 8 x 8, so the patch
 *                                      embedding sees each one in 4 alignments, not 64. Positions
 *                                      still vary (9-13 per axis); a box one grid step off still
 *                                      has IoU >= 0.6 with the truth for the smallest object.
 *                                      Every <loc> target is a multiple of 64 bins (grid 4 px x
 *                                      16 bins per px). Set grid = 1 for free positions.
 *   font scale 2                    -> 5x7 glyphs drawn 10 x 14 px, 12 px advance: a glyph is
 *                                      1.25 x 1.75 patches; 5 characters are 58 px wide
 *   centers >= 12 px apart in x     -> "left to right" (caption and detection order) is never a
 *                                      judgment call: 1.5 patches between any two objects' centers
 *   dark backgrounds only           -> every object color contrasts with every background
 *
 * Cost: 64 image tokens instead of 36 makes the vision tower ~1.8x the pilot's FLOPs per image.
 * A cheaper alternative with the same token count is imageSize 48 / patchSize 6 (set sizes
 * [12, 18, 24], fontScale 1); it keeps objects at 2-4 patches but draws 5x7 glyphs at 1 px per
 * font pixel. Every default can be overridden; `worldConfig` derives the size-dependent ones
 * from imageSize (sizes = S/4, 3S/8, S/2 on the grid; minCenterGap = 3S/16; fontScale = floor(S / 32)).
 *
 * References: shared/DESIGN.md section 9; Dosovitskiy et al. 2020 (ViT, patches);
 * PaliGemma (Beyer et al. 2024) for the image-token / prompt layout.
 *
 * Leaves out: resolutions above 256 (the loc <-> pixel round trip is exact only for S < 512), light
 * backgrounds, rotation, occlusion.
 */
import { ArgumentError } from "@paligemma-ts/tensor";

export interface WorldConfig {
  /** Side of the square RGB image, in pixels; the image is rendered at the model's size (no resize). */
  imageSize: number;
  /** ViT patch size: numImageTokens = (imageSize / patchSize)^2. */
  patchSize: number;
  /** Side lengths of an object's cell, in pixels (each a multiple of `grid`). */
  objectSizes: number[];
  /** Objects' and text lines' top-left corners lie on this pixel grid. */
  grid: number;
  /** Minimum empty pixels between two objects' cells (in x or in y). */
  gap: number;
  /** Minimum horizontal distance between two objects' centers, so "left to right" is unambiguous. */
  minCenterGap: number;
  /** 1..maxObjects objects per shape scene (uniformly). */
  maxObjects: number;
  /** Integer scale of the 5x7 bitmap font for OCR scenes. */
  fontScale: number;
  /** OCR strings: digits with minDigits..maxDigits characters, or a word, with this probability. */
  wordProbability: number;
  minDigits: number;
  maxDigits: number;
  /** Fraction of scenes with per-pixel noise; a noisy scene's amplitude is uniform in noiseMin..noiseMax. */
  noiseProbability: number;
  noiseMin: number;
  noiseMax: number;
  /** Each object's / text's color channel is shifted by a uniform integer in [-jitter, jitter]. */
  colorJitter: number;
  /** The background tint's channels are shifted by a uniform integer in [-jitter, jitter]. */
  backgroundJitter: number;
}

function snapDown(v: number, grid: number): number {
  return Math.max(grid, Math.floor(v / grid) * grid);
}

/** The world's configuration: defaults for `imageSize` (64 unless given), then `overrides`, validated. */
export function worldConfig(overrides: Partial<WorldConfig> = {}): WorldConfig {
  const imageSize = overrides.imageSize ?? 64;
  const grid = overrides.grid ?? 4;
  const config: WorldConfig = {
    imageSize,
    patchSize: 8,
    objectSizes: [imageSize / 4, (3 * imageSize) / 8, imageSize / 2].map((s) => snapDown(s, grid)),
    grid,
    gap: grid,
    minCenterGap: Math.round((3 * imageSize) / 16),
    maxObjects: 3,
    fontScale: Math.max(1, Math.floor(imageSize / 32)),
    wordProbability: 0.5,
    minDigits: 2,
    maxDigits: 5,
    noiseProbability: 0.6,
    noiseMin: 4,
    noiseMax: 16,
    colorJitter: 16,
    backgroundJitter: 8,
    ...overrides,
  };
  validateWorldConfig(config);
  return config;
}

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
const nonNegativeInt = (v: number) => Number.isInteger(v) && v >= 0;
const probability = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;

/** Throw an ArgumentError naming the first field that is out of range. */
export function validateWorldConfig(c: WorldConfig): void {
  const fail = (field: string, expected: string, got: unknown) => {
    throw new ArgumentError(`worldConfig: ${field} must be ${expected}, got ${JSON.stringify(got)}`);
  };
  if (!positiveInt(c.imageSize) || c.imageSize > 256) fail("imageSize", "an integer in 1..256", c.imageSize);
  if (!positiveInt(c.patchSize) || c.imageSize % c.patchSize !== 0) fail("patchSize", `a positive divisor of imageSize ${c.imageSize}`, c.patchSize);
  if (!positiveInt(c.grid)) fail("grid", "a positive integer", c.grid);
  if (!Array.isArray(c.objectSizes) || c.objectSizes.length === 0) fail("objectSizes", "a non-empty array", c.objectSizes);
  for (const s of c.objectSizes) {
    if (!positiveInt(s) || s < 4 || s > c.imageSize || s % c.grid !== 0) fail("objectSizes", `integers in 4..${c.imageSize}, multiples of grid ${c.grid}`, c.objectSizes);
  }
  if (!nonNegativeInt(c.gap)) fail("gap", "a non-negative integer", c.gap);
  if (!nonNegativeInt(c.minCenterGap)) fail("minCenterGap", "a non-negative integer", c.minCenterGap);
  if (!positiveInt(c.maxObjects) || c.maxObjects > 4) fail("maxObjects", "an integer in 1..4", c.maxObjects);
  if (!positiveInt(c.fontScale)) fail("fontScale", "a positive integer", c.fontScale);
  if (!probability(c.wordProbability)) fail("wordProbability", "a probability in [0, 1]", c.wordProbability);
  if (!positiveInt(c.minDigits) || !positiveInt(c.maxDigits) || c.minDigits > c.maxDigits) fail("minDigits/maxDigits", "positive integers with minDigits <= maxDigits", [c.minDigits, c.maxDigits]);
  if (!probability(c.noiseProbability)) fail("noiseProbability", "a probability in [0, 1]", c.noiseProbability);
  if (!nonNegativeInt(c.noiseMin) || !nonNegativeInt(c.noiseMax) || c.noiseMin > c.noiseMax || c.noiseMax > 64) fail("noiseMin/noiseMax", "integers with 0 <= noiseMin <= noiseMax <= 64", [c.noiseMin, c.noiseMax]);
  if (!nonNegativeInt(c.colorJitter) || c.colorJitter > 32) fail("colorJitter", "an integer in 0..32", c.colorJitter);
  if (!nonNegativeInt(c.backgroundJitter) || c.backgroundJitter > 16) fail("backgroundJitter", "an integer in 0..16", c.backgroundJitter);
}

/** Image tokens the model sees: (imageSize / patchSize)^2. */
export function numImageTokens(c: WorldConfig): number {
  const n = c.imageSize / c.patchSize;
  return n * n;
}
