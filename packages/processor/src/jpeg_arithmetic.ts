/**
 * jpeg_arithmetic.ts — the arithmetic-coded JPEG entropy decoder (SOF9 sequential, SOF10 progressive).
 *
 * Teaches: instead of Huffman codes, T.81 Annex D codes every decision (is this coefficient zero?
 * its sign? is the magnitude above 2^k?) as one binary symbol with the QM-coder, an adaptive binary
 * arithmetic coder. Two registers describe the current interval: A (its size, kept >= 0x8000 by
 * doubling = "renormalization") and C (the code value, with new input bytes shifted in from below).
 * Each decision has a context ("statistics bin", one byte: the more probable symbol in bit 7, a
 * state 0..113 in the low bits); the state's Qe is the estimated probability of the less probable
 * symbol. Decoding a bit (D.2.4, D.2.5):
 *
 *   A = A - Qe; if C >= A (shifted): the LPS interval: C -= A, A = Qe
 *   otherwise the MPS interval (renormalize only if A < 0x8000)
 *   when the interval was renormalized, the state moves along Table D.2 (NMPS or NLPS, SWITCH flips the MPS)
 *
 * The decisions for one block follow F.1.4.4 (DC difference: zero?, sign, magnitude category by a
 * unary code, then the bits below the top one; AC: end-of-block?, zero?, sign, magnitude), with DC
 * contexts conditioned on the previous difference (L and U from a DAC marker, default 0 and 1) and
 * AC magnitude contexts split at K (default 5). A marker inside the data means "zeros from here on",
 * which is legal in arithmetic coding. The coefficients land where the Huffman decoder puts them,
 * so the IDCT and colour steps are shared and the pixels equal libjpeg-turbo's.
 *
 * Reference: ITU-T T.81 Annex D (arithmetic coding), F.1.4.4 and G.1.3 (statistical model);
 * libjpeg-turbo jdarith.c (whose register layout this follows) and jaricom.c (Table D.2).
 * Leaves out: encoding; the 12- and 16-bit variants.
 */
import { JpegError } from "./jpeg_huffman.ts";
import { type EntropyDecoder, type JpegComponent, type JpegFrame, ZIGZAG } from "./jpeg_scan.ts";

/** DAC conditioning per table: DC lower and upper bounds L, U; AC split K (T.81 B.2.4.3). */
export interface ArithConditioning {
  dcL: Uint8Array; // [16], default 0
  dcU: Uint8Array; // [16], default 1
  acK: Uint8Array; // [16], default 5
}

export function defaultConditioning(): ArithConditioning {
  return { dcL: new Uint8Array(16), dcU: new Uint8Array(16).fill(1), acK: new Uint8Array(16).fill(5) };
}

// Table D.2 as [Qe, next index after LPS, next index after MPS, switch MPS], entries 0..112, plus
// entry 113: a fixed probability of 0.5 (T.851) used for sign and refinement bits.
// prettier-ignore
const D2 = [
  [0x5a1d,1,1,1],[0x2586,14,2,0],[0x1114,16,3,0],[0x080b,18,4,0],[0x03d8,20,5,0],[0x01da,23,6,0],[0x00e5,25,7,0],[0x006f,28,8,0],
  [0x0036,30,9,0],[0x001a,33,10,0],[0x000d,35,11,0],[0x0006,9,12,0],[0x0003,10,13,0],[0x0001,12,13,0],[0x5a7f,15,15,1],[0x3f25,36,16,0],
  [0x2cf2,38,17,0],[0x207c,39,18,0],[0x17b9,40,19,0],[0x1182,42,20,0],[0x0cef,43,21,0],[0x09a1,45,22,0],[0x072f,46,23,0],[0x055c,48,24,0],
  [0x0406,49,25,0],[0x0303,51,26,0],[0x0240,52,27,0],[0x01b1,54,28,0],[0x0144,56,29,0],[0x00f5,57,30,0],[0x00b7,59,31,0],[0x008a,60,32,0],
  [0x0068,62,33,0],[0x004e,63,34,0],[0x003b,32,35,0],[0x002c,33,9,0],[0x5ae1,37,37,1],[0x484c,64,38,0],[0x3a0d,65,39,0],[0x2ef1,67,40,0],
  [0x261f,68,41,0],[0x1f33,69,42,0],[0x19a8,70,43,0],[0x1518,72,44,0],[0x1177,73,45,0],[0x0e74,74,46,0],[0x0bfb,75,47,0],[0x09f8,77,48,0],
  [0x0861,78,49,0],[0x0706,79,50,0],[0x05cd,48,51,0],[0x04de,50,52,0],[0x040f,50,53,0],[0x0363,51,54,0],[0x02d4,52,55,0],[0x025c,53,56,0],
  [0x01f8,54,57,0],[0x01a4,55,58,0],[0x0160,56,59,0],[0x0125,57,60,0],[0x00f6,58,61,0],[0x00cb,59,62,0],[0x00ab,61,63,0],[0x008f,61,32,0],
  [0x5b12,65,65,1],[0x4d04,80,66,0],[0x412c,81,67,0],[0x37d8,82,68,0],[0x2fe8,83,69,0],[0x293c,84,70,0],[0x2379,86,71,0],[0x1edf,87,72,0],
  [0x1aa9,87,73,0],[0x174e,72,74,0],[0x1424,72,75,0],[0x119c,74,76,0],[0x0f6b,74,77,0],[0x0d51,75,78,0],[0x0bb6,77,79,0],[0x0a40,77,48,0],
  [0x5832,80,81,1],[0x4d1c,88,82,0],[0x438e,89,83,0],[0x3bdd,90,84,0],[0x34ee,91,85,0],[0x2eae,92,86,0],[0x299a,93,87,0],[0x2516,86,71,0],
  [0x5570,88,89,1],[0x4ca9,95,90,0],[0x44d9,96,91,0],[0x3e22,97,92,0],[0x3824,99,93,0],[0x32b4,99,94,0],[0x2e17,93,86,0],[0x56a8,95,96,1],
  [0x4f46,101,97,0],[0x47e5,102,98,0],[0x41cf,103,99,0],[0x3c3d,104,100,0],[0x375e,99,93,0],[0x5231,105,102,0],[0x4c0f,106,103,0],[0x4639,107,104,0],
  [0x415e,103,99,0],[0x5627,105,106,1],[0x50e7,108,107,0],[0x4b85,109,103,0],[0x5597,110,109,0],[0x504f,111,107,0],[0x5a10,110,111,1],[0x5522,112,109,0],
  [0x59eb,112,111,1],[0x5a1d,113,113,0],
];
const QE = Int32Array.from(D2, (r) => r[0]);
const NLPS = Int32Array.from(D2, (r) => r[1] | (r[3] << 7)); // next state after an LPS, with the MPS switch in bit 7
const NMPS = Int32Array.from(D2, (r) => r[2]);
const FIXED = 113;

/** The QM decoder's registers and input position (jdarith.c arith_decode). */
class QmDecoder {
  c = 0;
  a = 0;
  ct = -16; // -16: two bytes must be read first; -1: a decoding error, the rest of the scan is skipped
  marker = -1;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private nextByte(): number {
    if (this.marker >= 0) return 0; // past a marker: zeros
    if (this.pos >= this.data.length) throw new JpegError("file is truncated (arithmetic-coded data runs past the end)");
    let b = this.data[this.pos++];
    if (b !== 0xff) return b;
    do {
      if (this.pos >= this.data.length) throw new JpegError("file is truncated (arithmetic-coded data runs past the end)");
      b = this.data[this.pos++];
    } while (b === 0xff);
    if (b === 0) return 0xff; // stuffed zero byte
    this.marker = b;
    this.pos -= 2; // leave the position at the marker
    return 0;
  }

  /** Decode one binary decision with statistics bin `bins[i]`, updating it. */
  decode(bins: Uint8Array, i: number): number {
    while (this.a < 0x8000) {
      if (--this.ct < 0) {
        this.c = this.c * 256 + this.nextByte(); // C << 8 | byte, exact in a double
        this.ct += 8;
        if (this.ct < 0 && ++this.ct === 0) this.a = 0x8000; // got the 2 initial bytes
      }
      this.a <<= 1;
    }
    let sv = bins[i];
    const s = sv & 0x7f;
    const qe = QE[s];
    let temp = this.a - qe;
    this.a = temp;
    temp *= 2 ** this.ct;
    if (this.c >= temp) {
      this.c -= temp;
      if (this.a < qe) {
        this.a = qe;
        bins[i] = (sv & 0x80) ^ NMPS[s];
      } else {
        this.a = qe;
        bins[i] = (sv & 0x80) ^ NLPS[s];
        sv ^= 0x80;
      }
    } else if (this.a < 0x8000) {
      if (this.a < qe) {
        bins[i] = (sv & 0x80) ^ NLPS[s];
        sv ^= 0x80;
      } else {
        bins[i] = (sv & 0x80) ^ NMPS[s];
      }
    }
    return sv >> 7;
  }

  reset(): void {
    this.c = 0;
    this.a = 0;
    this.ct = -16;
  }
}

/** The arithmetic entropy decoder of one scan, in the shape jpeg_scan.ts drives. */
export function arithmeticDecoder(data: Uint8Array, pos: number, frame: JpegFrame, comps: JpegComponent[], ss: number, se: number, ah: number, al: number, cond: ArithConditioning): EntropyDecoder {
  const qm = new QmDecoder(data, pos);
  const dcStats = new Map<number, Uint8Array>();
  const acStats = new Map<number, Uint8Array>();
  const fixed = Uint8Array.of(FIXED);
  const progressive = frame.progressive;
  const dcScan = !progressive || (ss === 0 && ah === 0);
  const acScan = !progressive || ss > 0;
  const resetStats = () => {
    for (const c of comps) {
      if (dcScan) {
        dcStats.set(c.dcTable, new Uint8Array(64));
        c.pred = 0;
        c.dcContext = 0;
      }
      if (acScan) acStats.set(c.acTable, new Uint8Array(256));
    }
  };
  resetStats();

  /** A DC difference (Figure F.19): updates the component's DC context; null on corrupt data. */
  const dcDiff = (c: JpegComponent): number | null => {
    const bins = dcStats.get(c.dcTable)!;
    let st = c.dcContext;
    if (qm.decode(bins, st) === 0) {
      c.dcContext = 0;
      return 0;
    }
    const sign = qm.decode(bins, st + 1);
    st += 2 + sign;
    const m0 = qm.decode(bins, st);
    let m = m0;
    if (m !== 0) {
      st = 20;
      while (qm.decode(bins, st)) {
        if ((m <<= 1) === 0x8000) return null;
        st++;
      }
    }
    const t = c.dcTable;
    c.dcContext = m < (1 << cond.dcL[t]) >> 1 ? 0 : m > (1 << cond.dcU[t]) >> 1 ? 12 + sign * 4 : 4 + sign * 4;
    let v = m;
    st += 14;
    while ((m >>= 1)) if (qm.decode(bins, st)) v |= m;
    v += 1;
    return sign ? -v : v;
  };

  /** AC coefficients k0..k1 (Figure F.20), scaled by 2^shift; returns false on corrupt data. */
  const acFirst = (c: JpegComponent, coef: Int16Array, off: number, k0: number, k1: number, shift: number): boolean => {
    const bins = acStats.get(c.acTable)!;
    for (let k = k0; k <= k1; k++) {
      let st = 3 * (k - 1);
      if (qm.decode(bins, st)) break; // end of block
      while (qm.decode(bins, st + 1) === 0) {
        st += 3;
        if (++k > k1) return false; // spectral overflow
      }
      const sign = qm.decode(fixed, 0);
      st += 2;
      let m = qm.decode(bins, st); // magnitude category (Figure F.23): 0, 1, or a unary code from X2
      if (m !== 0 && qm.decode(bins, st)) {
        m <<= 1;
        st = k <= cond.acK[c.acTable] ? 189 : 217;
        while (qm.decode(bins, st)) {
          if ((m <<= 1) === 0x8000) return false; // magnitude overflow
          st++;
        }
      }
      let v = m;
      st += 14; // the bits below the top one (Figure F.24)
      while ((m >>= 1)) if (qm.decode(bins, st)) v |= m;
      v += 1;
      coef[off + ZIGZAG[k]] = (sign ? -v : v) * (1 << shift);
    }
    return true;
  };

  const acRefine = (c: JpegComponent, coef: Int16Array, off: number): boolean => {
    const bins = acStats.get(c.acTable)!;
    const p1 = 1 << al;
    const m1 = -1 << al;
    let kex = se;
    for (; kex > 0; kex--) if (coef[off + ZIGZAG[kex]]) break;
    for (let k = ss; k <= se; k++) {
      let st = 3 * (k - 1);
      if (k > kex && qm.decode(bins, st)) break;
      for (;;) {
        const at = off + ZIGZAG[k];
        if (coef[at]) {
          if (qm.decode(bins, st + 2)) coef[at] += coef[at] < 0 ? m1 : p1;
          break;
        }
        if (qm.decode(bins, st + 1)) {
          coef[at] = qm.decode(fixed, 0) ? m1 : p1;
          break;
        }
        st += 3;
        if (++k > se) return false;
      }
    }
    return true;
  };

  return {
    decodeBlock(c: JpegComponent, off: number): void {
      if (qm.ct === -1) return; // after corrupt data libjpeg decodes nothing more in this scan
      const coef = c.coef;
      let ok = true;
      if (!progressive) {
        const d = dcDiff(c);
        if (d === null) ok = false;
        else {
          c.pred = (c.pred + d) & 0xffff;
          coef[off] = c.pred;
          ok = acFirst(c, coef, off, 1, 63, 0);
        }
      } else if (ss === 0 && ah === 0) {
        const d = dcDiff(c);
        if (d === null) ok = false;
        else {
          c.pred = (c.pred + d) & 0xffff;
          coef[off] = c.pred * (1 << al);
        }
      } else if (ss === 0) {
        if (qm.decode(fixed, 0)) coef[off] |= 1 << al; // DC refinement: the next bit
      } else if (ah === 0) {
        ok = acFirst(c, coef, off, ss, se, al);
      } else {
        ok = acRefine(c, coef, off);
      }
      if (!ok) qm.ct = -1;
    },
    restart(): void {
      // Find the next marker (skipping any garbage, as libjpeg's next_marker does); step over it
      // if it is RSTn. Then the statistics, predictions and registers start afresh.
      let p = qm.pos;
      while (p + 1 < data.length && !(data[p] === 0xff && data[p + 1] !== 0 && data[p + 1] !== 0xff)) p++;
      if (p + 1 >= data.length) throw new JpegError("file is truncated (missing restart marker)");
      if (data[p + 1] >= 0xd0 && data[p + 1] <= 0xd7) p += 2;
      qm.pos = p;
      qm.marker = -1;
      qm.reset();
      resetStats();
    },
    position: () => qm.pos,
  };
}
