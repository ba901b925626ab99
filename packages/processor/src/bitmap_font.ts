/**
 * bitmap_font.ts — a tiny built-in 5x7 pixel font (printable ASCII), so labels can be drawn synchronously.
 *
 * Teaches: a bitmap font is just bits. Each glyph is 5 columns of 7 pixels; byte k of a glyph is
 * column k, bit r (1 << r) is row r from the top. Text is drawn by setting the pixels whose bits are 1,
 * scaled up by an integer factor, with one blank column between glyphs.
 *
 * References: the classic HD44780 LCD / Adafruit GFX "glcdfont" 5x7 character set.
 *
 * Leaves out: characters outside ASCII 0x20..0x7E (drawn as "?"), kerning, anti-aliasing.
 */

export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
/** Advance per character (glyph + 1 blank column), in unscaled pixels. */
export const GLYPH_ADVANCE = GLYPH_WIDTH + 1;

// 95 glyphs x 5 column bytes, hex, starting at " " (0x20).
const FONT_HEX =
  "000000000000005f00000007000700147f147f14242a7f2a12231308646236495522500005030000001c2241000041221c00" +
  "14083e081408083e080800503000000808080808006060000020100804023e5149453e00427f400042615149462141454b31" +
  "1814127f1027454545393c4a49493001710905033649494936064949291e0036360000005636000008142241001414141414" +
  "00412214080201510906324979413e7e1111117e7f494949363e414141227f4141221c7f494949417f090909013e4149497a" +
  "7f0808087f00417f41002040413f017f081422417f404040407f020c027f7f0408107f3e4141413e7f090909063e4151215e" +
  "7f09192946464949493101017f01013f4040403f1f2040201f3f4038403f631408146307087008076151494543007f414100" +
  "02040810200041417f0004020102044040404040000102040020545454787f484444383844444420384444487f3854545418" +
  "087e0901020c5252523e7f0804047800447d40002040443d007f1028440000417f40007c041804787c080404783844444438" +
  "7c14141408081414187c7c080404084854545420043f4440203c4040207c1c2040201c3c4030403c44281028440c5050503c" +
  "4464544c44000836410000007f000000413608000804081008";

const FONT = Uint8Array.from({ length: FONT_HEX.length / 2 }, (_, i) => parseInt(FONT_HEX.slice(2 * i, 2 * i + 2), 16));

/** The 5 column bytes of a character ("?" for anything outside printable ASCII). */
export function glyph(ch: string): Uint8Array {
  let code = ch.charCodeAt(0);
  if (!(code >= 0x20 && code <= 0x7e) || ch.length !== 1) code = 0x3f;
  const i = (code - 0x20) * GLYPH_WIDTH;
  return FONT.subarray(i, i + GLYPH_WIDTH);
}

/** Width in pixels of `text` drawn at integer `scale`. */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale;
}

/**
 * Call `plot(x, y)` for every lit pixel of `text` with its top-left corner at (x0, y0), each font
 * pixel drawn as a scale x scale square.
 */
export function rasterizeText(text: string, x0: number, y0: number, scale: number, plot: (x: number, y: number) => void): void {
  let x = x0;
  for (const ch of text) {
    const g = glyph(ch);
    for (let col = 0; col < GLYPH_WIDTH; col++) {
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        if (!((g[col] >> row) & 1)) continue;
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) plot(x + col * scale + dx, y0 + row * scale + dy);
      }
    }
    x += GLYPH_ADVANCE * scale;
  }
}
