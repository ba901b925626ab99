/**
 * cmyk_to_rgb.ts — PIL's CMYK -> RGB conversion, shared by CMYK JPEGs and CMYK TIFFs.
 *
 * Teaches: a naive conversion is R = 255 - min(255, C + K). PIL (since 8.x) instead treats K as a
 * dimmer on 255 - C:
 *
 *   nk = 255 - K
 *   R  = nk - C * nk / 255,  G = nk - M * nk / 255,  B = nk - Y * nk / 255
 *
 * with the product rounded the libImaging way, MULDIV255(a, b) = (t + (t >> 8)) >> 8 for
 * t = a * b + 128 (an exact rounding of a * b / 255 for bytes).
 *
 * For JPEGs, what reaches this formula is what PIL's JPEG plugin hands over: libjpeg's CMYK output
 * (an Adobe YCCK file is first converted to CMYK by libjpeg), inverted byte by byte because PIL
 * reads every 4-component JPEG with rawmode "CMYK;I" (Photoshop stores inverted CMYK), see jpeg_color.ts.
 *
 * Reference: Pillow libImaging/Convert.c (`cmyk2rgb`, MULDIV255 in ImagingUtils.h), verified
 * against Pillow 9.4 by test/pil/make_pil_goldens.py.
 * Leaves out: ICC-profile based conversion (PIL does not apply embedded profiles either).
 */

const mulDiv255 = (a: number, b: number) => {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
};

/** Write the RGB of one CMYK pixel (bytes) to out[o .. o + 2]. */
export function cmykToRgb(c: number, m: number, y: number, k: number, out: Uint8Array, o: number): void {
  const nk = 255 - k;
  out[o] = nk - mulDiv255(c, nk);
  out[o + 1] = nk - mulDiv255(m, nk);
  out[o + 2] = nk - mulDiv255(y, nk);
}
