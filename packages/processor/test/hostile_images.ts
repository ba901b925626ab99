/**
 * hostile_images.ts — tiny files whose headers lie, for the pixel-limit tests: a PNG with only
 * IHDR + an empty IDAT, a GIF with a huge screen or frame, a BMP info header, a TIFF IFD0, and a
 * zlib bomb (a PNG whose IDAT inflates to far more than its header needs, built by streaming so
 * that making it costs no memory). `decodeBomb` runs in a child process (runIsolated) so the test
 * can read that process's peak memory.
 */
import { createDeflate, deflateSync } from "node:zlib";
import { loadImage } from "../src/index.ts";

const CRC = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  let c = -1;
  for (const b of out.subarray(4, 8 + data.length)) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  out.writeUInt32BE((c ^ -1) >>> 0, 8 + data.length);
  return out;
}

function png(width: number, height: number, idat: Uint8Array, interlace = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, interlace], 8); // 8-bit gray
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))]);
}

/** A PNG of a few dozen bytes that declares width x height and holds one row of data. */
export function pngHeaderOnly(width: number, height: number): Buffer {
  return png(width, height, deflateSync(new Uint8Array(4)));
}

/** zlib stream of `mib` MiB of zeros, deflated 1 MiB at a time. */
async function zerosDeflated(mib: number): Promise<Buffer> {
  const z = createDeflate({ level: 9 });
  const parts: Buffer[] = [];
  z.on("data", (b: Buffer) => parts.push(b));
  const done = new Promise((resolve) => z.on("end", resolve));
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < mib; i++) if (!z.write(zeros)) await new Promise((r) => z.once("drain", r));
  z.end();
  await done;
  return Buffer.concat(parts);
}

/** An 8-bit gray PNG of width x height (Adam7 when interlace = 1) whose IDAT inflates to `mib` MiB of zeros. */
export async function zlibBombPngAsync(width: number, height: number, mib: number, interlace = 0): Promise<Buffer> {
  return png(width, height, await zerosDeflated(mib), interlace);
}

/** The same with a 1 MiB-to-1 KiB IDAT built synchronously (for headers over the limit, never inflated). */
export function zlibBombPng(width: number, height: number, bytes: number): Buffer {
  return png(width, height, deflateSync(new Uint8Array(bytes), { level: 9 }));
}

/** Build a bomb and decode it (called in a child process by image_limits.test.ts). */
export async function decodeBomb(width: number, height: number, mib: number, interlace: number): Promise<{ width: number; sum: number; inputBytes: number }> {
  const bytes = await zlibBombPngAsync(width, height, mib, interlace);
  const image = await loadImage(bytes);
  return { width: image.width, sum: image.data.reduce((a, b) => a + b, 0), inputBytes: bytes.length };
}

/** A GIF with a logical screen and a first frame of the given sizes, and no pixel data. */
export function gifWithFrame(screenW: number, screenH: number, frameW: number, frameH: number): Buffer {
  const b = Buffer.alloc(13 + 10 + 3 + 1);
  b.write("GIF89a", 0, "latin1");
  b.writeUInt16LE(screenW, 6);
  b.writeUInt16LE(screenH, 8);
  b[13] = 0x2c; // image descriptor at 0, 0
  b.writeUInt16LE(frameW, 18);
  b.writeUInt16LE(frameH, 20);
  b[23] = 2; // LZW minimum code size, then no sub-blocks (0) and the trailer
  b[24] = 0;
  b[25] = 0x3b;
  return b.subarray(0, 26);
}

/** A BMP file header + BITMAPINFOHEADER (24 bits, no pixels). */
export function bmpHeader(width: number, height: number): Buffer {
  const b = Buffer.alloc(54);
  b.write("BM", 0, "latin1");
  b.writeUInt32LE(54, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  return b;
}

/** A little-endian TIFF whose IFD0 declares width x height, 8-bit gray, optionally tiled; no pixels. */
export function tiffHeaderOnly(width: number, height: number, options: { tile?: [number, number] } = {}): Buffer {
  const tags: [number, number, number][] = [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 8],
    [262, 3, 1],
  ];
  if (options.tile) tags.push([322, 4, options.tile[0]], [323, 4, options.tile[1]], [324, 4, 8], [325, 4, 0]);
  else tags.push([273, 4, 8], [279, 4, 0]);
  const b = Buffer.alloc(8 + 2 + 12 * tags.length + 4);
  b.write("II", 0, "latin1");
  b.writeUInt16LE(42, 2);
  b.writeUInt32LE(8, 4);
  b.writeUInt16LE(tags.length, 8);
  tags.forEach(([tag, type, value], i) => {
    const e = 10 + 12 * i;
    b.writeUInt16LE(tag, e);
    b.writeUInt16LE(type, e + 2);
    b.writeUInt32LE(1, e + 4);
    if (type === 3) b.writeUInt16LE(value, e + 8);
    else b.writeUInt32LE(value, e + 8);
  });
  return b;
}
