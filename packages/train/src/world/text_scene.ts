/**
 * text_scene.ts — a short string drawn with the 5x7 bitmap font, for OCR.
 *
 * Teaches: what an OCR scene needs to be readable by a tiny ViT. The string is either
 * minDigits..maxDigits random digits (leading zeros allowed: it is text, not a number) or one of
 * 32 short lowercase words; it is drawn in one line with processor's bitmap font (bitmap_font.ts)
 * at an integer `fontScale`, in one of the six object colors (jittered) over a dark backdrop:
 *
 *   width  = (chars * 6 - 1) * fontScale      height = 7 * fontScale
 *   x = grid * U{0 .. floor((S - width) / grid)}     y = grid * U{0 .. floor((S - height) / grid)}
 *
 * At the defaults (S = 64, scale 2) a glyph is 10 x 14 px and a 5-character string 58 px wide.
 * Words are answered as whole-word tokens (32 classes); digit strings digit by digit, so the
 * 10^2 .. 10^5 digit strings cannot be memorized and must be read.
 *
 * Leaves out: several lines, upper case, punctuation, rotated or blurred text, fonts other than 5x7.
 */
import { ArgumentError, type Rng } from "@paligemma-ts/tensor";
import { GLYPH_HEIGHT, textWidth } from "@paligemma-ts/processor";
import { type Backdrop, sampleBackdrop } from "./backdrop.ts";
import { COLORS, COLOR_NAMES, type ColorName, type Rgb, jitterColor } from "./palette.ts";
import { pick, randInt } from "./random_choice.ts";
import type { WorldConfig } from "./world_config.ts";

/** The OCR words: short, distinct, none of them a color, shape or prompt word. */
export const OCR_WORDS = [
  "cat", "dog", "sun", "moon", "tree", "fish", "bird", "frog",
  "cake", "milk", "book", "door", "lamp", "rain", "snow", "wind",
  "fire", "leaf", "rock", "ship", "boat", "king", "gold", "ring",
  "bell", "drum", "kite", "nest", "owl", "fox", "apple", "house",
] as const;

export interface TextScene extends Backdrop {
  kind: "text";
  imageSize: number;
  text: string;
  /** Top-left corner of the text, in pixels (on the grid). */
  x: number;
  y: number;
  scale: number;
  color: ColorName;
  rgb: Rgb;
}

/** The longest string a text scene can hold (characters). */
export function longestText(c: WorldConfig): number {
  return Math.max(c.maxDigits, ...OCR_WORDS.map((w) => w.length));
}

export function sampleTextScene(rng: Rng, c: WorldConfig): TextScene {
  const longest = textWidth("0".repeat(longestText(c)), c.fontScale);
  if (longest > c.imageSize) {
    throw new ArgumentError(`sampleTextScene: ${longestText(c)} characters at fontScale ${c.fontScale} are ${longest} px wide, more than imageSize ${c.imageSize}; lower fontScale or maxDigits`);
  }
  const backdrop = sampleBackdrop(rng, c);
  let text: string;
  if (rng() < c.wordProbability) text = pick(rng, OCR_WORDS);
  else {
    const n = randInt(rng, c.minDigits, c.maxDigits);
    text = "";
    for (let i = 0; i < n; i++) text += String(randInt(rng, 0, 9));
  }
  const color = pick(rng, COLOR_NAMES);
  const rgb = jitterColor(rng, COLORS[color], c.colorJitter);
  const width = textWidth(text, c.fontScale);
  const height = GLYPH_HEIGHT * c.fontScale;
  const x = c.grid * randInt(rng, 0, Math.floor((c.imageSize - width) / c.grid));
  const y = c.grid * randInt(rng, 0, Math.floor((c.imageSize - height) / c.grid));
  return { kind: "text", imageSize: c.imageSize, ...backdrop, text, x, y, scale: c.fontScale, color, rgb };
}
