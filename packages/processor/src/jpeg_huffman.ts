/**
 * jpeg_huffman.ts — the entropy-coded bit stream of a JPEG: bit reading and canonical Huffman decoding.
 *
 * Teaches: JPEG's Huffman tables are "canonical": a DHT segment lists only how many codes have each
 * length 1..16 and the symbols in order; codes are then assigned by counting up
 * (code = (previous code + 1) << (length change)). Decoding reads one bit at a time until the code
 * is at most the largest code of its length (T.81 F.2.2.3, DECODE). Coefficient values follow as
 * "category" s plus s extra bits, where a leading 0 bit means negative (RECEIVE + EXTEND, F.2.2.1).
 *
 * In the byte stream FF is followed by a stuffed 00 (a data byte FF); any other FF xx is a marker.
 * Reaching a marker mid-scan yields zero bits, as libjpeg does (corrupt data, still decoded);
 * running off the end of the file is an error (a truncated file, as PIL reports it).
 *
 * References: ITU-T T.81 Annex C (Huffman table specification), F.2.2 (decoding procedures);
 * libjpeg-turbo jdhuff.c.
 *
 * A table whose counts need more codes than a length allows, or a DC table with a symbol above 15,
 * is refused as libjpeg does ("Bogus Huffman table definition").
 *
 * Leaves out: lookahead tables (a speed-up), arithmetic coding (jpeg_arithmetic.ts).
 */
import { ImageFormatError } from "./image_errors.ts";

/** A reason the bytes cannot be decoded; `unsupported` marks valid JPEGs this decoder does not handle. */
export class JpegError extends ImageFormatError {
  constructor(message: string, unsupported = false) {
    super("JPEG", message, unsupported);
  }
}


/** Canonical Huffman table: for each code length, the largest code and where its symbols start (T.81 F.2.2.3). */
export interface HuffmanTable {
  maxcode: Int32Array; // [18], -1 when no code of that length
  valptr: Int32Array; // [17]
  mincode: Int32Array; // [17]
  values: Uint8Array;
}

export function buildHuffman(counts: Uint8Array, values: Uint8Array, isDc = false): HuffmanTable {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total > 256 || values.length < total) throw new JpegError(`bogus Huffman table definition (${total} symbols, ${values.length} present)`);
  if (isDc && values.some((v) => v > 15)) throw new JpegError("bogus Huffman table definition (DC symbol above 15)");
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
      if (code >= 2 ** len) throw new JpegError(`bogus Huffman table definition (${n} codes of length ${len} do not fit)`);
    }
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff; // sentinel: a 17-bit code means corrupt data
  return { maxcode, valptr, mincode, values };
}

/** Reads entropy-coded bits, handling FF00 stuffing and stopping (with zero bits) at a marker. */
export class BitReader {
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

