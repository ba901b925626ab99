/**
 * jpeg_decoder.ts — parse a JPEG file and Huffman-decode its DCT coefficients (baseline and progressive).
 *
 * Teaches: the structure of a JPEG file and its entropy-coded data.
 *
 *   SOI, then segments "FF xx <length> <payload>": DQT (quantization tables), DHT (Huffman tables),
 *   SOF0/1/2 (frame: size and, per component, its sampling factors h x v), DRI (restart interval),
 *   SOS (a scan), ... EOI.
 *   - Each component is cut into 8x8 blocks; an MCU (minimum coded unit) holds h x v blocks of each
 *     component (4:2:0 = Y 2x2, Cb 1x1, Cr 1x1). A scan with one component codes its blocks alone.
 *   - A block is its DC difference from the previous block's DC (category + extra bits), then
 *     (zero-run, size) Huffman symbols for the 63 AC coefficients in zig-zag order, ended by EOB.
 *   - Progressive files send coefficients in several scans: spectral selection (a band Ss..Se of
 *     the zig-zag) and successive approximation (high bits first, Al bits later, one per refine scan).
 *   - In the coded bytes FF is followed by a stuffed 00; FF D0..D7 are restart markers, after which
 *     DC predictions (and the progressive end-of-band run) reset to zero.
 *
 * Output: per component its coefficients (natural order, ready for jpeg_idct.ts) and sampling.
 * Errors are thrown as `JpegError`; image_io.ts adds the file name. Like PIL, a file that ends
 * before its data does is an error ("truncated"), while a corrupt segment followed by a marker is
 * decoded with zeros as libjpeg does.
 *
 * References: ITU-T T.81 (JPEG), Annex F (baseline decoding, F.2.2.3 DECODE) and Annex G
 * (progressive); libjpeg-turbo jdhuff.c, jdphuff.c, jdmarker.c.
 *
 * Leaves out: arithmetic coding, lossless and 12-bit JPEG, DNL markers, hierarchical mode.
 */

/** A reason the bytes cannot be decoded; `unsupported` marks valid JPEGs this decoder does not handle. */
export class JpegError extends Error {
  constructor(
    message: string,
    readonly unsupported = false,
  ) {
    super(message);
  }
}

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
}

export interface JpegFrame {
  width: number;
  height: number;
  progressive: boolean;
  maxH: number;
  maxV: number;
  components: JpegComponent[];
  /** APP14 "Adobe" transform flag (-1 when absent) and whether a JFIF APP0 was seen: decide YCbCr vs RGB. */
  adobeTransform: number;
  jfif: boolean;
}

/** Canonical Huffman table: for each code length, the largest code and where its symbols start (T.81 F.2.2.3). */
interface HuffmanTable {
  maxcode: Int32Array; // [18], -1 when no code of that length
  valptr: Int32Array; // [17]
  mincode: Int32Array; // [17]
  values: Uint8Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1];
    if (n) {
      valptr[len] = k;
      mincode[len] = code;
      code += n;
      k += n;
      maxcode[len] = code - 1;
    }
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff; // sentinel: a 17-bit code means corrupt data
  return { maxcode, valptr, mincode, values };
}

/** Reads entropy-coded bits, handling FF00 stuffing and stopping (with zero bits) at a marker. */
class BitReader {
  private acc = 0;
  private nbits = 0;
  /** Set when a marker was reached; further bits read as 0 (libjpeg's behaviour). */
  marker = -1;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.nbits <= 24) {
      let byte = 0;
      if (this.marker < 0) {
        if (this.pos >= this.data.length) throw new JpegError("file is truncated (entropy-coded data runs past the end)");
        byte = this.data[this.pos];
        if (byte === 0xff) {
          let next = this.data[this.pos + 1];
          let skip = 1;
          while (next === 0xff) next = this.data[this.pos + ++skip]; // fill bytes
          if (next === undefined) throw new JpegError("file is truncated (entropy-coded data runs past the end)");
          if (next === 0) {
            this.pos += 2; // stuffed FF 00 -> data byte FF
          } else {
            this.marker = next; // leave pos at the marker
            byte = 0;
          }
        } else {
          this.pos++;
        }
      }
      this.acc = ((this.acc << 8) | byte) >>> 0;
      this.nbits += 8;
    }
  }

  bit(): number {
    if (this.nbits === 0) this.fill();
    this.nbits--;
    return (this.acc >>> this.nbits) & 1;
  }

  bits(n: number): number {
    if (n === 0) return 0;
    if (this.nbits < n) this.fill();
    this.nbits -= n;
    return (this.acc >>> this.nbits) & ((1 << n) - 1);
  }

  /** T.81 F.2.2.3 DECODE: read bits until the code fits a length. */
  decode(t: HuffmanTable): number {
    let code = this.bit();
    let len = 1;
    while (code > t.maxcode[len]) {
      code = (code << 1) | this.bit();
      if (++len > 16) throw new JpegError("corrupt Huffman code");
    }
    return t.values[t.valptr[len] + code - t.mincode[len]];
  }

  /** RECEIVE + EXTEND: s extra bits as a signed value (T.81 F.2.2.1). */
  receiveExtend(s: number): number {
    const v = this.bits(s);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** Drop buffered bits and step over a restart marker, if one is next. */
  restart(): void {
    this.acc = 0;
    this.nbits = 0;
    if (this.marker < 0) {
      // Find the marker after the remaining padding bits.
      while (this.pos < this.data.length && !(this.data[this.pos] === 0xff && this.data[this.pos + 1] !== 0 && this.data[this.pos + 1] !== 0xff)) this.pos++;
      if (this.pos >= this.data.length) throw new JpegError("file is truncated (missing restart marker)");
      this.marker = this.data[this.pos + 1];
    }
    if (this.marker >= 0xd0 && this.marker <= 0xd7) {
      this.pos += 2;
      this.marker = -1;
    }
  }
}

/** Decode one scan's MCUs into the components' coefficient arrays. */
function decodeScan(data: Uint8Array, pos: number, frame: JpegFrame, comps: JpegComponent[], restartInterval: number, ss: number, se: number, ah: number, al: number): number {
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
  let p = br.pos;
  while (p < data.length - 1 && !(data[p] === 0xff && data[p + 1] !== 0 && !(data[p + 1] >= 0xd0 && data[p + 1] <= 0xd7))) p++;
  return p;
}

/** Parse all segments and decode every scan. Returns the frame with filled coefficient arrays. */
export function decodeJpegCoefficients(data: Uint8Array): JpegFrame {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw new JpegError("missing SOI marker");
  const quant: (Uint16Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let frame: JpegFrame | undefined;
  let restartInterval = 0;
  let adobeTransform = -1;
  let jfif = false;
  let scans = 0;
  let pos = 2;
  const u16 = (p: number) => (data[p] << 8) | data[p + 1];
  for (;;) {
    if (pos + 1 >= data.length) throw new JpegError(scans > 0 ? "file is truncated (no EOI marker after the last scan)" : "file is truncated (no image data)");
    if (data[pos] !== 0xff) throw new JpegError(`expected a marker at byte ${pos}`);
    const marker = data[pos + 1];
    pos += 2;
    if (marker === 0xff) {
      pos--; // fill byte
      continue;
    }
    if (marker === 0xd9) {
      if (!frame || scans === 0) throw new JpegError("no image data before EOI");
      return frame;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM, stray RST: no payload
    if (pos + 2 > data.length) throw new JpegError("file is truncated (segment header)");
    const len = u16(pos);
    const end = pos + len;
    if (len < 2 || end > data.length) throw new JpegError(`file is truncated (segment FF${marker.toString(16).toUpperCase()} of ${len} bytes)`);
    const p0 = pos + 2;
    if (marker === 0xdb) {
      for (let p = p0; p < end; ) {
        const pq = data[p] >> 4;
        const tq = data[p] & 15;
        const t = new Uint16Array(64);
        for (let k = 0; k < 64; k++) t[ZIGZAG[k]] = pq ? u16(p + 1 + 2 * k) : data[p + 1 + k];
        quant[tq] = t;
        p += 1 + (pq ? 128 : 64);
      }
    } else if (marker === 0xc4) {
      for (let p = p0; p < end; ) {
        const tc = data[p] >> 4;
        const th = data[p] & 15;
        const counts = data.slice(p + 1, p + 17);
        const total = counts.reduce((a, b) => a + b, 0);
        const table = buildHuffman(counts, data.slice(p + 17, p + 17 + total));
        (tc === 0 ? dcTables : acTables)[th] = table;
        p += 17 + total;
      }
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (marker !== 0xc0 && marker !== 0xc1 && marker !== 0xc2) throw new JpegError(`unsupported JPEG process (SOF${marker - 0xc0})`, true);
      if (frame) throw new JpegError("more than one frame", true);
      if (data[p0] !== 8) throw new JpegError(`unsupported ${data[p0]}-bit samples`, true);
      const height = u16(p0 + 1);
      const width = u16(p0 + 3);
      const n = data[p0 + 5];
      if (width === 0 || height === 0) throw new JpegError(`invalid size ${width}x${height}${height === 0 ? " (DNL not supported)" : ""}`, height === 0);
      if (n !== 1 && n !== 3) throw new JpegError(`unsupported ${n}-component JPEG`, true);
      const components: JpegComponent[] = [];
      for (let i = 0; i < n; i++) {
        const q = p0 + 6 + i * 3;
        const h = data[q + 1] >> 4;
        const v = data[q + 1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) throw new JpegError(`invalid sampling factors ${h}x${v}`);
        components.push({ id: data[q], h, v, quantIndex: data[q + 2], quant: new Uint16Array(64), blocksPerLine: 0, blocksPerColumn: 0, coef: new Int16Array(0), pred: 0 });
      }
      const maxH = Math.max(...components.map((c) => c.h));
      const maxV = Math.max(...components.map((c) => c.v));
      const mcusX = Math.ceil(width / (8 * maxH));
      const mcusY = Math.ceil(height / (8 * maxV));
      for (const c of components) {
        c.blocksPerLine = mcusX * c.h;
        c.blocksPerColumn = mcusY * c.v;
        c.coef = new Int16Array(c.blocksPerLine * c.blocksPerColumn * 64);
      }
      frame = { width, height, progressive: marker === 0xc2, maxH, maxV, components, adobeTransform, jfif };
    } else if (marker === 0xdd) {
      restartInterval = u16(p0);
    } else if (marker === 0xe0) {
      if (len >= 7 && String.fromCharCode(...data.subarray(p0, p0 + 5)) === "JFIF\0") jfif = true;
    } else if (marker === 0xee) {
      if (len >= 14 && String.fromCharCode(...data.subarray(p0, p0 + 5)) === "Adobe") adobeTransform = data[p0 + 11];
    } else if (marker === 0xda) {
      if (!frame) throw new JpegError("scan before frame header");
      frame.adobeTransform = adobeTransform;
      frame.jfif = jfif;
      const ns = data[p0];
      const comps: JpegComponent[] = [];
      for (let i = 0; i < ns; i++) {
        const cid = data[p0 + 1 + 2 * i];
        const c = frame.components.find((x) => x.id === cid);
        if (!c) throw new JpegError(`scan references unknown component ${cid}`);
        c.dc = dcTables[data[p0 + 2 + 2 * i] >> 4];
        c.ac = acTables[data[p0 + 2 + 2 * i] & 15];
        const q = quant[c.quantIndex];
        if (!q) throw new JpegError(`missing quantization table ${c.quantIndex}`);
        c.quant = q;
        c.pred = 0;
        comps.push(c);
      }
      const q = p0 + 1 + 2 * ns;
      const ss = data[q];
      const se = data[q + 1];
      const ah = data[q + 2] >> 4;
      const al = data[q + 2] & 15;
      const needDc = !frame.progressive || (ss === 0 && ah === 0);
      const needAc = !frame.progressive || ss > 0;
      for (const c of comps) {
        if ((needDc && !c.dc) || (needAc && !c.ac)) throw new JpegError(`missing Huffman table for component ${c.id}`);
      }
      pos = decodeScan(data, end, frame, comps, restartInterval, ss, se, ah, al);
      scans++;
      continue;
    }
    pos = end; // APPn, COM and anything else: skipped
  }
}
