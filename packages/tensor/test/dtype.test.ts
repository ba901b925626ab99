import { describe, expect, it } from "vitest";
import { DTYPE_BYTES, bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, fromFloat32Array, toFloat32Array } from "../src/index.ts";

// float32 bits <-> value, independent of dtype.ts.
const buf = new DataView(new ArrayBuffer(4));
const bitsToF32 = (b: number) => (buf.setUint32(0, b >>> 0), buf.getFloat32(0));
const f32ToBits = (v: number) => (buf.setFloat32(0, v), buf.getUint32(0));

/** Independent float16 decoder: sign * 2^(e-15) * (1 + m/1024), subnormals 2^-14 * m/1024. */
function slowF16(bits: number): number {
  const s = bits >> 15 ? -1 : 1;
  const e = (bits >> 10) & 31;
  const m = bits & 1023;
  if (e === 31) return m ? NaN : s * Infinity;
  return e === 0 ? s * Math.pow(2, -14) * (m / 1024) : s * Math.pow(2, e - 15) * (1 + m / 1024);
}
const isF16NaN = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
const isBf16NaN = (h: number) => (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0;

describe("float16", () => {
  it("every non-NaN bit pattern decodes exactly and round-trips f16 -> f32 -> f16 (65536 patterns)", () => {
    let checked = 0;
    for (let h = 0; h < 0x10000; h++) {
      const v = f16ToF32(h);
      if (isF16NaN(h)) {
        expect(Number.isNaN(v)).toBe(true);
        expect(isF16NaN(f32ToF16(v))).toBe(true);
        continue;
      }
      if (!Object.is(v, slowF16(h)) || Math.fround(v) !== v || f32ToF16(v) !== h) {
        throw new Error(`f16 0x${h.toString(16)}: decoded ${v}, expected ${slowF16(h)}, re-encoded 0x${f32ToF16(v).toString(16)}`);
      }
      checked++;
    }
    expect(checked).toBe(65536 - 2 * 1023);
  });

  it("rounds every midpoint between neighbours to the even one, and just off the midpoint to the nearer", () => {
    for (let h = 0; h < 0x7bff; h++) {
      const lo = f16ToF32(h);
      const hi = f16ToF32(h + 1);
      const mid = (lo + hi) / 2; // exact in float32 (needs 12 significant bits)
      const even = h % 2 === 0 ? h : h + 1;
      const below = bitsToF32(f32ToBits(mid) - 1);
      const above = bitsToF32(f32ToBits(mid) + 1);
      if (f32ToF16(mid) !== even || f32ToF16(below) !== h || f32ToF16(above) !== h + 1) {
        throw new Error(`midpoint of 0x${h.toString(16)}/0x${(h + 1).toString(16)} rounds wrong`);
      }
      if (f32ToF16(-mid) !== (even | 0x8000)) throw new Error(`negative midpoint of 0x${h.toString(16)}`);
    }
  });

  it("hand cases: ties, overflow to Inf, subnormals, underflow, signed zero", () => {
    expect(f32ToF16(1 + 2 ** -11)).toBe(0x3c00); // tie -> even (1.0)
    expect(f32ToF16(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (1 + 2^-9)
    expect(f32ToF16(65504)).toBe(0x7bff); // max finite
    expect(f32ToF16(65519)).toBe(0x7bff); // below the midpoint to "65536"
    expect(f32ToF16(65520)).toBe(0x7c00); // tie past max rounds to even: Inf
    expect(f32ToF16(1e10)).toBe(0x7c00);
    expect(f32ToF16(-1e10)).toBe(0xfc00);
    expect(f32ToF16(Infinity)).toBe(0x7c00);
    expect(f32ToF16(-Infinity)).toBe(0xfc00);
    expect(f32ToF16(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(f32ToF16(2 ** -25)).toBe(0x0000); // tie -> even (0)
    expect(f32ToF16(3 * 2 ** -25)).toBe(0x0002); // tie -> even (2)
    expect(f32ToF16(2 ** -25 * 1.5)).toBe(0x0001);
    expect(f32ToF16(2 ** -14 - 2 ** -25)).toBe(0x0400); // largest subnormal tie carries into the smallest normal
    expect(f32ToF16(1e-10)).toBe(0x0000);
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(Object.is(f16ToF32(0x8000), -0)).toBe(true);
    expect(f16ToF32(0x3555)).toBeCloseTo(0.33325, 5);
  });
});

describe("bfloat16", () => {
  it("every non-NaN bit pattern round-trips bf16 -> f32 -> bf16 and is the top half of the f32", () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = bf16ToF32(h);
      if (isBf16NaN(h)) {
        if (!Number.isNaN(v) || !isBf16NaN(f32ToBf16(v))) throw new Error(`bf16 NaN 0x${h.toString(16)}`);
        continue;
      }
      if (f32ToBits(v) !== h << 16 >>> 0 || f32ToBf16(v) !== h) throw new Error(`bf16 0x${h.toString(16)} -> ${v} -> 0x${f32ToBf16(v).toString(16)}`);
    }
  });

  it("rounds to nearest even, including ties, Inf, NaN, subnormals and overflow", () => {
    const r = (bits: number) => f32ToBf16(bitsToF32(bits));
    expect(r(0x3f800000)).toBe(0x3f80); // 1.0
    expect(r(0x3f807fff)).toBe(0x3f80); // below the midpoint
    expect(r(0x3f808000)).toBe(0x3f80); // tie, lower is even -> stay
    expect(r(0x3f808001)).toBe(0x3f81); // above the midpoint
    expect(r(0x3f818000)).toBe(0x3f82); // tie, lower is odd -> up to even
    expect(r(0xbf818000)).toBe(0xbf82); // same, negative
    expect(r(0x3fff8000)).toBe(0x4000); // carry into the exponent
    expect(r(0x7f7fffff)).toBe(0x7f80); // max f32 overflows to +Inf
    expect(r(0x7f7f7fff)).toBe(0x7f7f); // stays the largest finite bf16
    expect(r(0xff7fffff)).toBe(0xff80); // -> -Inf
    expect(f32ToBf16(Infinity)).toBe(0x7f80);
    expect(f32ToBf16(-Infinity)).toBe(0xff80);
    expect(isBf16NaN(f32ToBf16(NaN))).toBe(true);
    expect(isBf16NaN(r(0x7f800001))).toBe(true); // NaN payload only in the dropped bits must not become Inf
    expect(isBf16NaN(r(0xff800001))).toBe(true);
    expect(r(0x00008000)).toBe(0x0000); // subnormal tie -> even (0)
    expect(r(0x00018000)).toBe(0x0002); // subnormal tie -> even (2)
    expect(r(0x00010001)).toBe(0x0001);
    expect(f32ToBf16(-0)).toBe(0x8000);
    expect(bf16ToF32(0x3f80)).toBe(1);
    expect(bf16ToF32(0xc0490fdb >>> 16)).toBe(-3.140625);
  });
});

describe("array conversions", () => {
  it("toFloat32Array / fromFloat32Array for every dtype", () => {
    const vals = [0, 1, -2, 3.5, 100];
    for (const dt of ["float32", "float16", "bfloat16"] as const) {
      expect(Array.from(toFloat32Array(dt, fromFloat32Array(dt, vals)))).toEqual(vals);
    }
    expect(Array.from(toFloat32Array("int64", fromFloat32Array("int64", [1, -2.7, 3e9])))).toEqual([1, -2, 3e9]);
    expect(Array.from(fromFloat32Array("bool", [0, 2, -1]) as Uint8Array)).toEqual([0, 1, 1]);
    expect(Array.from(fromFloat32Array("uint8", [0, 255]) as Uint8Array)).toEqual([0, 255]);
    expect(DTYPE_BYTES.bfloat16).toBe(2);
  });
});
