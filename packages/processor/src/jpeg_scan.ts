/**
 * jpeg_scan.ts — decode one scan of a JPEG into DCT coefficients: baseline and progressive blocks.
 *
 * Teaches: how the coefficients of each 8x8 block are coded (T.81 Annex F and G):
 *
 *   - baseline: DC as a difference from the previous block's DC, then (zero-run, size) symbols for
 *     the 63 AC coefficients in zig-zag order; EOB (0x00) ends the block, ZRL (0xF0) skips 16 zeros;
 *   - progressive "first" scans send a band Ss..Se of the zig-zag scaled down by 2^Al, with
 *     end-of-band runs (EOBn: the next 2^n + extra bits blocks have nothing more in this band);
 *   - progressive "refine" scans send one more bit of every coefficient: a correction bit for each
 *     nonzero one passed over, and new coefficients of magnitude 2^Al after r zero ones.
 *
 * An interleaved scan walks MCUs (h x v blocks of each component); a single-component scan walks
 * that component's own blocks, only those covering real samples. Every `restartInterval` MCUs an
 * RSTn marker resets the DC predictions and the end-of-band run.
 *
 * The walk over MCUs and restart intervals is shared with arithmetic coding (jpeg_arithmetic.ts):
 * an entropy decoder only says how one block is decoded, how to restart, and where it stopped.
 *
 * References: ITU-T T.81 F.2.2, G.1.2; libjpeg-turbo jdhuff.c (`decode_mcu`) and jdphuff.c
 * (`decode_mcu_DC_first`, `decode_mcu_AC_first`, `decode_mcu_DC_refine`, `decode_mcu_AC_refine`).
 *
 * Leaves out: DNL markers (a height given after the first scan).
 */
import { BitReader, type HuffmanTable } from "./jpeg_huffman.ts";

/** Zig-zag index -> natural (row-major) index within an 8x8 block. */
export const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36,
  29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);


export interface JpegComponent {
  id: number;
  h: number;
  v: number;
  quant: Uint16Array; // natural order; bound when the frame is finished
  quantIndex: number;
  blocksPerLine: number; // allocated (MCU-padded) blocks per row
  blocksPerColumn: number;
  coef: Int16Array; // [blocksPerColumn * blocksPerLine * 64], natural order per block
  pred: number;
  dc?: HuffmanTable;
  ac?: HuffmanTable;
  /** Arithmetic coding: the scan's DC / AC conditioning table indices and the DC context (0..16). */
  dcTable: number;
  acTable: number;
  dcContext: number;
}

export interface JpegFrame {
  width: number;
  height: number;
  progressive: boolean;
  /** SOF9 / SOF10: arithmetic instead of Huffman entropy coding. */
  arithmetic: boolean;
  maxH: number;
  maxV: number;
  components: JpegComponent[];
  /** APP14 "Adobe" transform flag (-1 when absent) and whether a JFIF APP0 was seen: decide YCbCr vs RGB. */
  adobeTransform: number;
  jfif: boolean;
}


/** What decodes the blocks of one scan: Huffman (below) or arithmetic (jpeg_arithmetic.ts). */
export interface EntropyDecoder {
  decodeBlock(c: JpegComponent, off: number): void;
  /** At a restart interval: reset predictions and state, step over the RSTn marker. */
  restart(): void;
  /** Byte position where the entropy-coded data stopped. */
  position(): number;
}

/** The Huffman entropy decoder of one scan (baseline or progressive). */
export function huffmanDecoder(data: Uint8Array, pos: number, frame: JpegFrame, comps: JpegComponent[], ss: number, se: number, ah: number, al: number): EntropyDecoder {
  const br = new BitReader(data, pos);
  let eobrun = 0;
  const progressive = frame.progressive;

  const decodeBlock = (c: JpegComponent, off: number): void => {
    const coef = c.coef;
    if (!progressive) {
      const t = br.decode(c.dc!);
      c.pred += t === 0 ? 0 : br.receiveExtend(t);
      coef[off] = c.pred;
      for (let k = 1; k < 64; k++) {
        const rs = br.decode(c.ac!);
        const r = rs >> 4;
        const s = rs & 15;
        if (s === 0) {
          if (r !== 15) break; // EOB
          k += 15; // ZRL: 16 zeros
          continue;
        }
        k += r;
        if (k > 63) break;
        coef[off + ZIGZAG[k]] = br.receiveExtend(s);
      }
    } else if (ss === 0) {
      if (ah === 0) {
        const t = br.decode(c.dc!); // DC first scan
        c.pred += t === 0 ? 0 : br.receiveExtend(t);
        coef[off] = c.pred * (1 << al);
      } else if (br.bit()) {
        coef[off] |= 1 << al; // DC refinement: one more bit
      }
    } else if (ah === 0) {
      // AC first scan (G.1.2.2): band ss..se, values scaled by 2^al, with end-of-band runs.
      if (eobrun > 0) {
        eobrun--;
        return;
      }
      for (let k = ss; k <= se; k++) {
        const rs = br.decode(c.ac!);
        const r = rs >> 4;
        const s = rs & 15;
        if (s === 0) {
          if (r < 15) {
            eobrun = (1 << r) - 1 + br.bits(r);
            break;
          }
          k += 15;
          continue;
        }
        k += r;
        if (k > 63) break;
        coef[off + ZIGZAG[k]] = br.receiveExtend(s) * (1 << al);
      }
    } else {
      refineAc(c, off);
    }
  };

  // AC refinement (G.1.2.3, libjpeg's decode_mcu_AC_refine): a correction bit for every nonzero
  // coefficient passed over, and new coefficients of magnitude 1 << al placed after r zero ones.
  const refineAc = (c: JpegComponent, off: number): void => {
    const coef = c.coef;
    const p1 = 1 << al;
    const m1 = -1 << al;
    let k = ss;
    const correct = (pos: number) => {
      if (br.bit() && (coef[pos] & p1) === 0) coef[pos] += coef[pos] >= 0 ? p1 : m1;
    };
    if (eobrun === 0) {
      for (; k <= se; k++) {
        const rs = br.decode(c.ac!);
        let r = rs >> 4;
        let s = rs & 15;
        if (s) {
          s = br.bit() ? p1 : m1; // s must be 1: the new coefficient's sign
        } else if (r !== 15) {
          eobrun = (1 << r) + br.bits(r);
          break;
        }
        do {
          const pos = off + ZIGZAG[k];
          if (coef[pos] !== 0) correct(pos);
          else if (--r < 0) break;
          k++;
        } while (k <= se);
        if (s && k <= 63) coef[off + ZIGZAG[k]] = s;
      }
    }
    if (eobrun > 0) {
      for (; k <= se; k++) {
        const pos = off + ZIGZAG[k];
        if (coef[pos] !== 0) correct(pos);
      }
      eobrun--;
    }
  };

  const restart = () => {
    br.restart();
    for (const c of comps) c.pred = 0;
    eobrun = 0;
  };
  return { decodeBlock, restart, position: () => br.pos };
}

/** Decode one scan's MCUs into the components' coefficient arrays; returns the position of the next marker. */
export function decodeScan(data: Uint8Array, frame: JpegFrame, comps: JpegComponent[], restartInterval: number, dec: EntropyDecoder): number {
  const { decodeBlock, restart } = dec;

  if (comps.length === 1) {
    // Non-interleaved: the component's own blocks, only those covering real samples.
    const c = comps[0];
    const bw = Math.ceil(Math.ceil((frame.width * c.h) / frame.maxH) / 8);
    const bh = Math.ceil(Math.ceil((frame.height * c.v) / frame.maxV) / 8);
    let n = 0;
    for (let by = 0; by < bh; by++) {
      for (let bx = 0; bx < bw; bx++) {
        if (restartInterval && n > 0 && n % restartInterval === 0) restart();
        decodeBlock(c, (by * c.blocksPerLine + bx) * 64);
        n++;
      }
    }
  } else {
    const mcusX = Math.ceil(frame.width / (8 * frame.maxH));
    const mcusY = Math.ceil(frame.height / (8 * frame.maxV));
    let n = 0;
    for (let my = 0; my < mcusY; my++) {
      for (let mx = 0; mx < mcusX; mx++) {
        if (restartInterval && n > 0 && n % restartInterval === 0) restart();
        for (const c of comps) {
          for (let v = 0; v < c.v; v++) {
            for (let h = 0; h < c.h; h++) decodeBlock(c, ((my * c.v + v) * c.blocksPerLine + mx * c.h + h) * 64);
          }
        }
        n++;
      }
    }
  }
  // Skip to the next marker (padding bits, or garbage libjpeg would warn about).
  let p = dec.position();
  while (p < data.length - 1 && !(data[p] === 0xff && data[p + 1] !== 0 && !(data[p + 1] >= 0xd0 && data[p + 1] <= 0xd7))) p++;
  return p;
}

