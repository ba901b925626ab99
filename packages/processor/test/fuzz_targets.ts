/**
 * fuzz_targets.ts — the processor's fuzz targets, run in a child process by fuzz_images.test.ts and
 * fuzz_tokenizer.test.ts.
 *
 *   png, jpeg, gif, bmp, tiff   a mutated file through loadImage (and readExifOrientation), with a
 *                               pixel limit of 2^18 so every case stays small; seeds: test/pil/files
 *                               (and the JPEG vectors, and test/fuzz_corpus for BMP)
 *   tokenizer                   a mutated tokenizer.model (byte edits, or whole pieces deleted,
 *                               duplicated, swapped or retyped): parsed by sentencepiece_model.ts,
 *                               and every 10th that parses also loaded by SentencePiece (wasm, ~40 ms)
 *                               and used to encode and decode
 *
 * A case must succeed or throw the documented error: ImageDecodeError whose cause (for this
 * package's own decoders) is a PaliGemmaError, not a TypeError/RangeError; TokenizerLoadError.
 */
import { readFileSync, readdirSync, rmSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FuzzReport, type FuzzTarget, PaliGemmaError, fuzz, mutateBytes } from "@paligemma-ts/tensor";
import { ImageDecodeError, PaliGemmaTokenizer, TokenizerLoadError, loadImage, readExifOrientation } from "../src/index.ts";
import { SentencePieceModelError, parseSentencePieceModel } from "../src/sentencepiece_model.ts";
import { JPEG_VECTORS } from "./jpeg_vectors.ts";

const here = new URL(".", import.meta.url).pathname;
const files = (dir: string, ext: string) =>
  readdirSync(join(here, dir))
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => new Uint8Array(readFileSync(join(here, dir, f))));

export type ImageFormat = "png" | "jpeg" | "gif" | "bmp" | "tiff";

function seeds(format: ImageFormat): Uint8Array[] {
  if (format === "jpeg") return [...files("pil/files", ".jpg"), ...Object.values(JPEG_VECTORS).map((v) => new Uint8Array(Buffer.from(v.jpeg, "base64")))];
  if (format === "bmp") return files("fuzz_corpus", ".bmp");
  return files("pil/files", { png: ".png", gif: ".gif", tiff: ".tif" }[format]);
}

function imageTarget(format: ImageFormat): FuzzTarget {
  return {
    name: format,
    seeds: seeds(format),
    // Mostly keep the 8-byte signature, so the cases reach the decoder instead of the format sniffer,
    // and for PNG often repair the chunk CRCs, so they get past the CRC check to the pixel data.
    mutate(input, rng, all) {
      const m = mutateBytes(input, rng, all);
      if (rng() < 0.9) m.set(input.subarray(0, Math.min(8, m.length)));
      if (format === "png" && rng() < 0.6) fixPngCrcs(m);
      return m;
    },
    async run(input) {
      readExifOrientation(input); // must never throw
      await loadImage(input, { maxPixels: 1 << 18 });
    },
    // BMP goes through bmp-ts, whose own plain Errors are wrapped; every other decoder is ours and
    // must fail with its typed error (a TypeError or RangeError underneath is a bug).
    expected: (e) => e instanceof ImageDecodeError && (e.cause === undefined || e.cause instanceof PaliGemmaError || format === "bmp"),
  };
}

const CRC = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** Recompute the CRC of every complete chunk, in place. */
function fixPngCrcs(b: Uint8Array): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let p = 8; p + 12 <= b.length; ) {
    const len = dv.getUint32(p);
    if (p + 12 + len > b.length) return;
    let c = -1;
    for (let i = p + 4; i < p + 8 + len; i++) c = CRC[(c ^ b[i]) & 0xff] ^ (c >>> 8);
    dv.setUint32(p + 8 + len, (c ^ -1) >>> 0);
    p += 12 + len;
  }
}

export async function runImageFuzz(format: ImageFormat, cases: number, seed: number): Promise<FuzzReport> {
  return fuzz(imageTarget(format), { cases, seed });
}

/** The top-level protobuf fields of a ModelProto as [key varint bytes + length varint bytes + payload]. */
function fields(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 0; p < b.length; shift += 7) {
      const x = b[p++];
      v += (x & 0x7f) * 2 ** shift;
      if (!(x & 0x80)) break;
    }
    return v;
  };
  while (p < b.length) {
    const start = p;
    const wire = varint() & 7;
    if (wire !== 2) return [b]; // the seed only has length-delimited top-level fields
    p += varint();
    out.push(b.subarray(start, p));
  }
  return out;
}

/**
 * Structure-aware edits of a tokenizer.model that keep it a valid protobuf: delete, duplicate or
 * swap whole pieces (duplicates and reordered specials are what SentencePiece itself must refuse),
 * or change one piece's type byte.
 */
function mutatePieces(input: Uint8Array, rng: () => number): Uint8Array {
  const f = fields(input).map((x) => x.slice());
  const pick = () => Math.floor(rng() * f.length);
  for (let n = 1 + Math.floor(rng() * 4); n > 0 && f.length > 1; n--) {
    const i = pick();
    const j = pick();
    const r = Math.floor(rng() * 4);
    if (r === 0) f.splice(i, 1);
    else if (r === 1) f.splice(j, 0, f[i]);
    else if (r === 2) [f[i], f[j]] = [f[j], f[i]];
    else {
      const t = f[i].lastIndexOf(0x18); // field 3 (type), varint: the byte after it
      if (t > 0 && t + 1 < f[i].length) f[i][t + 1] = [0, 1, 2, 3, 4, 5, 6, 7, 127][Math.floor(rng() * 9)];
    }
  }
  return Buffer.concat(f);
}

const TEXTS = ["a cat on a mat", "detect car ; person\n", "<loc0001><seg012> ok", "\uFEFFüñï©ødé 日本語 🐈", ""];

export async function runTokenizerFuzz(cases: number, seed: number): Promise<FuzzReport> {
  const dir = mkdtempSync(join(tmpdir(), "fuzz-tokenizer-"));
  const file = join(dir, "tokenizer.model");
  let parsed = 0; // cases that reached SentencePiece
  const target: FuzzTarget = {
    name: "tokenizer",
    seeds: [new Uint8Array(readFileSync(new URL("../../../fixtures/paligemma-tiny/tokenizer.model", import.meta.url)))],
    async run(input, rng) {
      parseSentencePieceModel(input); // throws SentencePieceModelError on a malformed protobuf
      if (parsed++ % 10 !== 0) return; // SentencePiece itself (wasm, ~40 ms a load) on every 10th that parses
      writeFileSync(file, input);
      const tk = await PaliGemmaTokenizer.load(file);
      for (const t of TEXTS) tk.decode(tk.encode(t));
      tk.decode(Array.from({ length: 20 }, () => Math.floor(rng() * (tk.vocabSize + 10)) - 5));
    },
    expected: (e) => e instanceof TokenizerLoadError || e instanceof SentencePieceModelError,
    mutate: (input, rng, all) => (rng() < 0.5 ? mutatePieces(input, rng) : mutateBytes(input, rng, all)),
  };
  try {
    return await fuzz(target, { cases, seed });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
