/**
 * jpeg_decoder.ts — read a JPEG file's segments and decode all its scans into DCT coefficients.
 *
 * Teaches: a JPEG file is SOI, then segments "FF xx <2-byte length> <payload>", then EOI:
 *
 *   DQT   quantization tables (64 values in zig-zag order, 8 or 16 bits)
 *   DHT   Huffman tables (jpeg_huffman.ts)
 *   DAC   arithmetic-coding conditioning (jpeg_arithmetic.ts)
 *   SOF0/1/2/9/10  the frame: precision, height, width, and per component its id, sampling factors
 *         h x v (4:2:0 = Y 2x2, Cb 1x1, Cr 1x1) and quantization table; SOF2/SOF10 mean
 *         progressive, SOF9/SOF10 arithmetic instead of Huffman coding
 *   DRI   restart interval (in MCUs)
 *   SOS   a scan: its components and tables, then entropy-coded data (jpeg_scan.ts)
 *   APP0 "JFIF" / APP14 "Adobe"  tell YCbCr from RGB, CMYK from YCCK (jpeg_color.ts); other APPn
 *         and COM are skipped
 *
 * Output: per component its coefficients (natural order, ready for jpeg_idct.ts) and sampling.
 * The frame's width x height is checked against the pixel limit (image_limits.ts) before the
 * coefficient arrays are allocated. Every segment is checked against its length the way libjpeg's
 * marker reader does, so a hostile file fails with a JpegError instead of reading past a segment.
 * Errors are thrown as `JpegError` (image_io.ts adds the file name); `unsupported` marks valid
 * files this decoder does not handle. Like PIL, a file that ends before its data does is an error.
 *
 * References: ITU-T T.81 (JPEG) Annex B (syntax); libjpeg-turbo jdmarker.c, jdapimin.c, jdinput.c.
 *
 * Leaves out (refused as unsupported, as PIL's libjpeg-turbo 2.1 refuses them too): lossless
 * (SOF3/SOF11), hierarchical (SOF5-7, SOF13-15) and 12-bit JPEG, DNL markers, 2-component frames.
 */

import { type PixelLimit, checkPixelLimit, pixelLimit } from "./image_limits.ts";
import { type ArithConditioning, arithmeticDecoder, defaultConditioning } from "./jpeg_arithmetic.ts";
import { JpegError, type HuffmanTable, buildHuffman } from "./jpeg_huffman.ts";
import { type JpegComponent, type JpegFrame, ZIGZAG, decodeScan, huffmanDecoder } from "./jpeg_scan.ts";

export { JpegError, ZIGZAG, type JpegComponent, type JpegFrame };

/** SOFn markers: which ones this decoder reads (Huffman 0, 1, 2; arithmetic 9, 10). */
const SOF_SUPPORTED = new Set([0xc0, 0xc1, 0xc2, 0xc9, 0xca]);
const isSof = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * Parse all segments and decode every scan. Returns the frame with filled coefficient arrays.
 * `limit` defaults to MAX_IMAGE_PIXELS (errors then name the file "<buffer>").
 */
export function decodeJpegCoefficients(data: Uint8Array, limit: PixelLimit = pixelLimit("<buffer>")): JpegFrame {
  if (data[0] !== 0xff || data[1] !== 0xd8) throw new JpegError("missing SOI marker");
  const quant: (Uint16Array | undefined)[] = [];
  const dcTables: (HuffmanTable | undefined)[] = [];
  const acTables: (HuffmanTable | undefined)[] = [];
  let frame: JpegFrame | undefined;
  let restartInterval = 0;
  const cond: ArithConditioning = defaultConditioning();
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
        if (pq > 1 || tq > 3) throw new JpegError(`bad DQT table (precision ${pq}, index ${tq})`);
        if (p + 1 + (pq ? 128 : 64) > end) throw new JpegError("DQT segment is shorter than its table");
        const t = new Uint16Array(64);
        for (let k = 0; k < 64; k++) t[ZIGZAG[k]] = pq ? u16(p + 1 + 2 * k) : data[p + 1 + k];
        quant[tq] = t;
        p += 1 + (pq ? 128 : 64);
      }
    } else if (marker === 0xc4) {
      for (let p = p0; p < end; ) {
        const tc = data[p] >> 4;
        const th = data[p] & 15;
        if (tc > 1 || th > 3) throw new JpegError(`bad DHT table (class ${tc}, index ${th})`);
        if (p + 17 > end) throw new JpegError("DHT segment is shorter than its table");
        const counts = data.slice(p + 1, p + 17);
        const total = counts.reduce((a, b) => a + b, 0);
        if (p + 17 + total > end) throw new JpegError("DHT segment is shorter than its table");
        const table = buildHuffman(counts, data.slice(p + 17, p + 17 + total), tc === 0);
        (tc === 0 ? dcTables : acTables)[th] = table;
        p += 17 + total;
      }
    } else if (marker === 0xcc) {
      // DAC: pairs (class << 4 | table, value): DC tables get L = value & 15, U = value >> 4; AC K.
      for (let p = p0; p + 1 < end; p += 2) {
        const tc = data[p] >> 4;
        const tb = data[p] & 15;
        const v = data[p + 1];
        if (tc > 1) throw new JpegError(`bad DAC table class ${tc}`);
        if (tc === 1) cond.acK[tb] = v;
        else {
          if ((v & 15) > (v >> 4)) throw new JpegError(`bad DAC value ${v} (L > U)`);
          cond.dcL[tb] = v & 15;
          cond.dcU[tb] = v >> 4;
        }
      }
    } else if (isSof(marker)) {
      const kind = `SOF${marker - 0xc0}`;
      if (!SOF_SUPPORTED.has(marker)) throw new JpegError(`unsupported JPEG process (${kind}: lossless or hierarchical)`, true);
      if (frame) throw new JpegError("more than one frame", true);
      if (len < 8) throw new JpegError(`${kind} segment of ${len} bytes is too short`);
      if (data[p0] !== 8) throw new JpegError(`unsupported ${data[p0]}-bit samples`, true);
      const height = u16(p0 + 1);
      const width = u16(p0 + 3);
      const n = data[p0 + 5];
      if (width === 0 || height === 0) throw new JpegError(`invalid size ${width}x${height}${height === 0 ? " (DNL not supported)" : ""}`, height === 0);
      if (n !== 1 && n !== 3 && n !== 4) throw new JpegError(`unsupported ${n}-component JPEG`, true);
      if (len !== 8 + 3 * n) throw new JpegError(`${kind} segment of ${len} bytes does not fit ${n} components`);
      checkPixelLimit(limit, "JPEG", width, height); // before the coefficient arrays below
      const components: JpegComponent[] = [];
      for (let i = 0; i < n; i++) {
        const q = p0 + 6 + i * 3;
        const h = data[q + 1] >> 4;
        const v = data[q + 1] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) throw new JpegError(`invalid sampling factors ${h}x${v}`);
        if (data[q + 2] > 3) throw new JpegError(`invalid quantization table index ${data[q + 2]}`);
        const quantIndex = data[q + 2];
        components.push({ id: data[q], h, v, quantIndex, quant: new Uint16Array(64), blocksPerLine: 0, blocksPerColumn: 0, coef: new Int16Array(0), pred: 0, dcTable: 0, acTable: 0, dcContext: 0 });
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
      const progressive = marker === 0xc2 || marker === 0xca;
      frame = { width, height, progressive, arithmetic: marker >= 0xc9, maxH, maxV, components, adobeTransform, jfif };
    } else if (marker === 0xdd) {
      if (len !== 4) throw new JpegError(`DRI segment of ${len} bytes (expected 4)`);
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
      if (ns < 1 || ns > 4 || len !== 6 + 2 * ns) throw new JpegError(`bad SOS segment (${ns} components in ${len} bytes)`);
      const comps: JpegComponent[] = [];
      for (let i = 0; i < ns; i++) {
        const cid = data[p0 + 1 + 2 * i];
        const c = frame.components.find((x) => x.id === cid);
        if (!c || comps.includes(c)) throw new JpegError(`scan references unknown or repeated component ${cid}`);
        const td = data[p0 + 2 + 2 * i] >> 4;
        const ta = data[p0 + 2 + 2 * i] & 15;
        c.dc = dcTables[td];
        c.ac = acTables[ta];
        c.dcTable = td;
        c.acTable = ta;
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
      if (frame.progressive) {
        // jdphuff.c / jdarith.c start_pass: the spectral band and successive-approximation bits.
        const bad = ss === 0 ? se !== 0 : se < ss || se > 63 || ns !== 1;
        if (bad || (ah !== 0 && ah - 1 !== al) || al > 13) throw new JpegError(`bad progressive scan parameters Ss=${ss} Se=${se} Ah=${ah} Al=${al}`);
      }
      if (!frame.arithmetic) {
        const needDc = !frame.progressive || (ss === 0 && ah === 0);
        const needAc = !frame.progressive || ss > 0;
        for (const c of comps) {
          if ((needDc && !c.dc) || (needAc && !c.ac)) throw new JpegError(`missing Huffman table for component ${c.id}`);
        }
      }
      const dec = frame.arithmetic ? arithmeticDecoder(data, end, frame, comps, ss, se, ah, al, cond) : huffmanDecoder(data, end, frame, comps, ss, se, ah, al);
      pos = decodeScan(data, frame, comps, restartInterval, dec);
      scans++;
      continue;
    }
    pos = end; // APPn, COM and anything else: skipped
  }
}

