// The JPEG decoder against libjpeg-turbo (djpeg output in jpeg_vectors.ts, PIL via the pixel_values
// goldens in image_processor.test.ts), its IDCT against the textbook formula, and its error paths.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ImageDecodeError, encodeImage, loadImage } from "../src/index.ts";
import { JpegError, ZIGZAG, decodeJpegCoefficients } from "../src/jpeg_decoder.ts";
import { idctIslow } from "../src/jpeg_idct.ts";
import { JPEG_VECTORS } from "./jpeg_vectors.ts";
import { maxAbsDiff, pattern } from "./test_images.ts";

describe("bit-exact with libjpeg-turbo (djpeg)", () => {
  it.each(Object.keys(JPEG_VECTORS))("%s", async (name) => {
    const v = JPEG_VECTORS[name];
    const out = await loadImage(Buffer.from(v.jpeg, "base64"));
    const ref = Buffer.from(v.pixels, "base64");
    const want = v.gray ? Uint8Array.from({ length: ref.length * 3 }, (_, i) => ref[Math.floor(i / 3)]) : ref;
    expect([out.width, out.height]).toEqual([19, 13]);
    const diff = maxAbsDiff(out.data, want);
    console.log(`${name}: max |ours - djpeg| = ${diff}`);
    expect(diff).toBe(0);
    // And the decode is the picture it encodes (lossy, so only roughly).
    if (!v.gray) expect(maxAbsDiff(out.data, pattern(19, 13).data)).toBeLessThan(90);
  });

  it("parses rocket.jpg's frame: 640x427 baseline 4:4:4", () => {
    const bytes = readFileSync(new URL("../../../fixtures/images/rocket.jpg", import.meta.url));
    const f = decodeJpegCoefficients(bytes);
    expect([f.width, f.height, f.progressive, f.maxH, f.maxV]).toEqual([640, 427, false, 1, 1]);
    expect(f.components.map((c) => [c.h, c.v])).toEqual([[1, 1], [1, 1], [1, 1]]);
  });
});

describe("islow IDCT", () => {
  // The 2-D IDCT in floating point: f(x, y) = 1/4 sum C(u) C(v) F(u, v) cos((2x+1)u pi/16) cos((2y+1)v pi/16).
  function referenceIdct(coef: Int16Array, quant: Uint16Array): number[] {
    const out: number[] = [];
    const C = (k: number) => (k === 0 ? Math.SQRT1_2 : 1);
    for (let y = 0; y < 8; y++) {
      for (let x = 0; x < 8; x++) {
        let s = 0;
        for (let v = 0; v < 8; v++) for (let u = 0; u < 8; u++) s += C(u) * C(v) * coef[v * 8 + u] * quant[v * 8 + u] * Math.cos(((2 * x + 1) * u * Math.PI) / 16) * Math.cos(((2 * y + 1) * v * Math.PI) / 16);
        out.push(Math.min(255, Math.max(0, Math.round(s / 4 + 128))));
      }
    }
    return out;
  }

  it("agrees with the exact formula to 1 level on random blocks", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const quant = Uint16Array.from({ length: 64 }, (_, i) => 1 + (i % 7));
    let worst = 0;
    for (let t = 0; t < 200; t++) {
      const coef = new Int16Array(64);
      for (let k = 0; k < 64; k++) if (rand() < 0.3) coef[ZIGZAG[k]] = Math.round((rand() - 0.5) * (k === 0 ? 200 : 60));
      const out = new Uint8Array(64);
      idctIslow(coef, 0, quant, out, 0, 8);
      const ref = referenceIdct(coef, quant);
      for (let i = 0; i < 64; i++) worst = Math.max(worst, Math.abs(out[i] - ref[i]));
    }
    console.log(`islow vs float IDCT: max |diff| = ${worst} level(s) over 200 random blocks`);
    expect(worst).toBeLessThanOrEqual(1);
  });

  it("a DC-only block is flat: DC * q / 8 + 128", () => {
    const coef = new Int16Array(64);
    coef[0] = 40;
    const quant = new Uint16Array(64).fill(2);
    const out = new Uint8Array(64);
    idctIslow(coef, 0, quant, out, 0, 8);
    expect([...new Set(out)]).toEqual([128 + 10]);
  });
});

describe("errors", () => {
  it("truncated data is a JpegError; through loadImage an ImageDecodeError", async () => {
    const bytes = await encodeImage(pattern(64, 48), "image/jpeg");
    expect(() => decodeJpegCoefficients(bytes.subarray(0, bytes.length - 40))).toThrow(/truncated/);
    expect(() => decodeJpegCoefficients(bytes.subarray(0, bytes.length - 2))).toThrow(JpegError); // no EOI
    await expect(loadImage(bytes.subarray(0, 300))).rejects.toThrow(ImageDecodeError);
  });

  it("12-bit, lossless and hierarchical JPEGs are refused as unsupported (as libjpeg-turbo 2.1 does)", async () => {
    const v = Buffer.from(JPEG_VECTORS.base422.jpeg, "base64");
    const sof = v.indexOf(Buffer.from([0xff, 0xc0]));
    const unsupported = (patch: (b: Buffer) => void) => {
      const b = Buffer.from(v);
      patch(b);
      try {
        decodeJpegCoefficients(b);
      } catch (e) {
        return e as JpegError;
      }
      return undefined;
    };
    for (const marker of [0xc3, 0xc5, 0xcb, 0xcf]) {
      const err = unsupported((b) => (b[sof + 1] = marker));
      expect(err?.unsupported).toBe(true);
      expect(err?.message).toMatch(/unsupported JPEG process \(SOF\d+: lossless or hierarchical\)/);
    }
    expect(unsupported((b) => (b[sof + 4] = 12))?.message).toMatch(/unsupported 12-bit samples/);
    const twelve = Buffer.from(v);
    twelve[sof + 4] = 12;
    await expect(loadImage(twelve)).rejects.toThrow(/unsupported JPEG: unsupported 12-bit samples/);
  });

  it("arithmetic-coded JPEGs decode (SOF9 sequential, SOF10 progressive): see pil_parity.test.ts for the pixels", () => {
    const f = decodeJpegCoefficients(readFileSync(new URL("./pil/files/arith_progressive.jpg", import.meta.url)));
    expect([f.arithmetic, f.progressive, f.width, f.height]).toEqual([true, true, 37, 23]);
    const s = decodeJpegCoefficients(readFileSync(new URL("./pil/files/arith_420.jpg", import.meta.url)));
    expect([s.arithmetic, s.progressive, s.maxH, s.maxV]).toEqual([true, false, 2, 2]);
  });

  it("a Huffman table whose codes do not fit is refused like libjpeg's 'Bogus Huffman table definition'", () => {
    const v = Buffer.from(JPEG_VECTORS.base422.jpeg, "base64");
    const dht = v.indexOf(Buffer.from([0xff, 0xc4]));
    const b = Buffer.from(v);
    const counts = dht + 5; // after FF C4, the length (2) and the class/index byte
    const j = [...b.subarray(counts + 1, counts + 16)].findIndex((n) => n >= 3) + 1;
    b[counts + j] -= 3; // same number of symbols, but three more codes of length 1: only two exist
    b[counts] += 3;
    expect(() => decodeJpegCoefficients(b)).toThrow(/bogus Huffman table definition/);
  });
});
