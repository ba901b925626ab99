/**
 * palette.ts — the world's named colors and its background tints.
 *
 * Teaches: a color word is only learnable if the pixels behind it are unambiguous. The six
 * object colors are far apart in RGB (smallest pairwise distance ~118, blue vs purple) and every
 * background is dark (every channel <= 64), so each color stands out from every background by an
 * RGB distance of at least ~135 (green on gray) before jitter. Scenes add per-object jitter (+-16 per channel) and
 * background jitter (+-8), so "red" is a region of color space, not one exact value.
 *
 *   object rgb     = clamp(COLORS[name] + U{-jitter..jitter} per channel, 0, 255)
 *   background rgb = clamp(BACKGROUNDS[i] + U{-bgJitter..bgJitter} per channel, 0, 255)
 *
 * Leaves out: light backgrounds (white objects would vanish), color names beyond six.
 */

export type Rgb = readonly [number, number, number];

export const COLOR_NAMES = ["red", "green", "blue", "yellow", "purple", "white"] as const;
export type ColorName = (typeof COLOR_NAMES)[number];

export const COLORS: Readonly<Record<ColorName, Rgb>> = {
  red: [220, 40, 40],
  green: [40, 190, 70],
  blue: [50, 100, 240],
  yellow: [240, 220, 50],
  purple: [160, 70, 210],
  white: [235, 235, 235],
};

/** Dark tints (near-black, gray, navy, brown, forest), one per background. */
export const BACKGROUNDS: readonly Rgb[] = [
  [18, 18, 18],
  [56, 56, 56],
  [20, 28, 60],
  [56, 36, 20],
  [24, 50, 32],
];

export function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Euclidean distance between two colors. */
export function rgbDistance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

/** `rgb` with each channel shifted by a uniform integer in [-jitter, jitter], clamped to a byte. */
export function jitterColor(rng: () => number, rgb: Rgb, jitter: number): Rgb {
  const shift = () => Math.floor(rng() * (2 * jitter + 1)) - jitter;
  return [clampByte(rgb[0] + shift()), clampByte(rgb[1] + shift()), clampByte(rgb[2] + shift())];
}
