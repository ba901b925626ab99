/**
 * jpeg_idct.ts — the 8x8 inverse DCT of a JPEG block, bit-exact with libjpeg's "islow" method.
 *
 * Teaches: a JPEG block stores 64 DCT coefficients; pixels come back through the 2-D inverse DCT
 *
 *   f(x, y) = 1/4 sum_u sum_v C(u) C(v) F(u, v) cos((2x + 1) u pi / 16) cos((2y + 1) v pi / 16),
 *   C(0) = 1/sqrt(2), C(k) = 1 otherwise,
 *
 * then + 128 and clamped to 0..255. libjpeg (and libjpeg-turbo, which PIL ships) computes it as a
 * separable 1-D IDCT (Loeffler-Ligtenberg-Moschytz, 12 multiplies) in 13-bit fixed point: columns
 * first (keeping PASS1_BITS = 2 extra bits), then rows, each result rounded with
 * DESCALE(x, n) = (x + 2^(n-1)) >> n. Reproducing that integer arithmetic exactly is what makes our
 * JPEG pixels equal PIL's, so the resized pixel_values match Python.
 *
 * The products overflow 32 bits, so the arithmetic uses JS doubles (exact below 2^53) and
 * Math.floor division for the arithmetic right shift.
 *
 * References: libjpeg-turbo jidctint.c (`jpeg_idct_islow`), jdmaster.c (`prepare_range_limit_table`);
 * C. Loeffler, A. Ligtenberg, G. Moschytz, "Practical fast 1-D DCT algorithms with 11
 * multiplications", ICASSP 1989.
 *
 * Leaves out: the "ifast" and "float" methods and scaled (1/2, 1/4, 1/8) IDCTs.
 */

const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** DESCALE(x, n): round x / 2^n half up, as an arithmetic shift of a 64-bit integer. */
function descale(x: number, n: number): number {
  return Math.floor((x + 2 ** (n - 1)) / 2 ** n);
}

/**
 * libjpeg's post-IDCT range limit: x (centered on 0) -> x + 128 clamped to 0..255, with the same
 * wrap-around as the C table for out-of-range garbage (index x & 1023).
 */
function rangeLimit(x: number): number {
  const i = x & 1023;
  return i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896;
}

const workspace = new Int32Array(64);

/**
 * One 1-D IDCT of 8 values in[s*0 .. s*7] (already dequantized); writes the 8 un-descaled outputs
 * (scaled by 2^CONST_BITS) into `out` in order 0..7.
 */
function idct1d(i0: number, i1: number, i2: number, i3: number, i4: number, i5: number, i6: number, i7: number, out: Float64Array): void {
  // Even part: the rotator is sqrt(2) * c(-6).
  let z1 = (i2 + i6) * FIX_0_541196100;
  const tmp2e = z1 - i6 * FIX_1_847759065;
  const tmp3e = z1 + i2 * FIX_0_765366865;
  const tmp0e = (i0 + i4) * 2 ** CONST_BITS;
  const tmp1e = (i0 - i4) * 2 ** CONST_BITS;
  const tmp10 = tmp0e + tmp3e;
  const tmp13 = tmp0e - tmp3e;
  const tmp11 = tmp1e + tmp2e;
  const tmp12 = tmp1e - tmp2e;
  // Odd part: inputs y7, y5, y3, y1.
  z1 = i7 + i1;
  let z2 = i5 + i3;
  let z3 = i7 + i3;
  let z4 = i5 + i1;
  const z5 = (z3 + z4) * FIX_1_175875602; // sqrt(2) * c3
  let tmp0 = i7 * FIX_0_298631336;
  let tmp1 = i5 * FIX_2_053119869;
  let tmp2 = i3 * FIX_3_072711026;
  let tmp3 = i1 * FIX_1_501321110;
  z1 *= -FIX_0_899976223;
  z2 *= -FIX_2_562915447;
  z3 = z3 * -FIX_1_961570560 + z5;
  z4 = z4 * -FIX_0_390180644 + z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  out[0] = tmp10 + tmp3;
  out[7] = tmp10 - tmp3;
  out[1] = tmp11 + tmp2;
  out[6] = tmp11 - tmp2;
  out[2] = tmp12 + tmp1;
  out[5] = tmp12 - tmp1;
  out[3] = tmp13 + tmp0;
  out[4] = tmp13 - tmp0;
}

const row = new Float64Array(8);

/**
 * Inverse DCT of one block: coefficients `coef[coefOffset .. +64]` (natural row-major order,
 * not yet dequantized), quantization table `quant` (natural order) -> 8x8 samples written to
 * `out` at `outOffset` with row stride `outStride`.
 */
export function idctIslow(coef: Int16Array, coefOffset: number, quant: Uint16Array, out: Uint8Array, outOffset: number, outStride: number): void {
  // Pass 1: columns -> workspace, scaled up by 2^PASS1_BITS.
  for (let c = 0; c < 8; c++) {
    const p = coefOffset + c;
    if (coef[p + 8] === 0 && coef[p + 16] === 0 && coef[p + 24] === 0 && coef[p + 32] === 0 && coef[p + 40] === 0 && coef[p + 48] === 0 && coef[p + 56] === 0) {
      const dc = coef[p] * quant[c] * 2 ** PASS1_BITS; // AC terms all zero: a flat column
      for (let r = 0; r < 8; r++) workspace[r * 8 + c] = dc;
      continue;
    }
    idct1d(
      coef[p] * quant[c], coef[p + 8] * quant[c + 8], coef[p + 16] * quant[c + 16], coef[p + 24] * quant[c + 24],
      coef[p + 32] * quant[c + 32], coef[p + 40] * quant[c + 40], coef[p + 48] * quant[c + 48], coef[p + 56] * quant[c + 56], row,
    );
    for (let r = 0; r < 8; r++) workspace[r * 8 + c] = descale(row[r], CONST_BITS - PASS1_BITS);
  }
  // Pass 2: rows -> samples, descaled by 8 (= 2^3) and by 2^PASS1_BITS, then +128 and clamped.
  for (let r = 0; r < 8; r++) {
    const w = r * 8;
    const o = outOffset + r * outStride;
    if (workspace[w + 1] === 0 && workspace[w + 2] === 0 && workspace[w + 3] === 0 && workspace[w + 4] === 0 && workspace[w + 5] === 0 && workspace[w + 6] === 0 && workspace[w + 7] === 0) {
      const v = rangeLimit(descale(workspace[w], PASS1_BITS + 3));
      for (let c = 0; c < 8; c++) out[o + c] = v;
      continue;
    }
    idct1d(workspace[w], workspace[w + 1], workspace[w + 2], workspace[w + 3], workspace[w + 4], workspace[w + 5], workspace[w + 6], workspace[w + 7], row);
    for (let c = 0; c < 8; c++) out[o + c] = rangeLimit(descale(row[c], CONST_BITS + PASS1_BITS + 3));
  }
}
