/**
 * quantize_kernels.test.ts — the fast conversion kernels give the SAME bytes as the readable specs
 * (quantizePerChannelInt8, quantizeBlockwise, bf16/f16 widening), for every source dtype, for rows
 * processed in chunks (aligned bands of 64 and unaligned chunks of 13 rows, which take the byte path),
 * for K not a multiple of the block; and the worker pool makes a whole cache file from a tensor in a
 * file (entry jobs: the spec's bytes, the data's crc32 patched into the header, progress per read)
 * and checksums byte ranges (crc jobs) like zlib.crc32. Exact equality throughout.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as zlib from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { ConvertPool, SafetensorsFile, type Tensor, entryJob, f16ToF32, quantizeBlockwise, quantizePerChannelInt8, randNormal, seededRng } from "../src/index.ts";
import { type RowsForm, type SourceCode, convertRows, f16Table } from "../src/onnx/quantize_kernels.ts";

const N = 67;
const K = 200;
const rng = seededRng(11);
const w32 = randNormal([N, K], rng);
(w32.data as Float32Array).fill(0, 5 * K, 6 * K); // an all-zero row: scale 1
const SOURCES: Record<string, { code: SourceCode; tensor: Tensor }> = {
  float32: { code: 0, tensor: w32 },
  bfloat16: { code: 1, tensor: w32.to("bfloat16") },
  float16: { code: 2, tensor: w32.to("float16") },
};
const FORMS: Record<string, RowsForm> = { int8ch: { kind: "int8ch" }, int4b32: { kind: "nbits", bits: 4, blockSize: 32 }, int8b16: { kind: "nbits", bits: 8, blockSize: 16 }, int4b128: { kind: "nbits", bits: 4, blockSize: 128 }, f32: { kind: "f32" } };

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.byteLength);
const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/** The spec's outputs for a form, as bytes by tensor name. */
function spec(form: RowsForm, w: Float32Array): Record<string, Uint8Array> {
  if (form.kind === "f32") return { tensor: new Uint8Array(w.slice().buffer) };
  if (form.kind === "int8ch") {
    const q = quantizePerChannelInt8(w, N, K);
    return { weight: bytesOf(q.weight), scales: bytesOf(q.scales) };
  }
  const q = quantizeBlockwise(w, N, K, form.bits as 4 | 8, form.blockSize);
  return { packed: bytesOf(q.packed), scales: bytesOf(q.scales), zero_points: bytesOf(q.zeroPoints) };
}

function outputs(want: Record<string, Uint8Array>): Record<string, SharedArrayBuffer> {
  return Object.fromEntries(Object.entries(want).map(([n, b]) => [n, new SharedArrayBuffer(b.length)]));
}

describe("conversion kernels", () => {
  it("f16Table holds every float16 value (NaNs as NaN)", () => {
    const t = f16Table();
    for (let b = 0; b < 65536; b++) {
      const v = f16ToF32(b);
      if (Number.isNaN(v)) expect(Number.isNaN(t[b])).toBe(true);
      else expect(t[b]).toBe(v);
    }
  });

  describe.each(Object.keys(SOURCES))("from %s", (dtype) => {
    const { code, tensor } = SOURCES[dtype];
    const widened = tensor.toFloat32();
    it.each(Object.keys(FORMS).flatMap((f) => [[f, 64], [f, 13]] as const))("%s in chunks of %i rows equals the spec", (formName, chunk) => {
      const form = FORMS[formName];
      const want = spec(form, widened);
      const out = outputs(want);
      const raw = bytesOf(tensor);
      const per = raw.length / (N * K);
      for (let n0 = 0; n0 < N; n0 += chunk) {
        const rows = Math.min(chunk, N - n0);
        const src = raw.slice(n0 * K * per, (n0 + rows) * K * per); // a fresh, aligned copy, as a worker reads it
        convertRows(src, code, form, rows, n0, N, K, out, new Float32Array(rows * K), new Uint8Array(K * 64), f16Table());
      }
      for (const [n, b] of Object.entries(want)) expect(eq(new Uint8Array(out[n]), b), `${formName} ${n}`).toBe(true);
    });
  });

  describe("ConvertPool", () => {
    const dir = mkdtempSync(join(tmpdir(), "convert-pool-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "w.bin");
    const pad = 24; // the tensor starts at an unaligned offset, as in a safetensors file
    const raw = bytesOf(SOURCES.bfloat16.tensor);
    writeFileSync(file, Buffer.concat([Buffer.alloc(pad, 7), Buffer.from(raw)]));

    it("an entry job writes a safetensors file of the spec's bytes with each tensor's crc32; crc jobs equal zlib.crc32", async () => {
      const pool = new ConvertPool(2);
      try {
        const form = FORMS.int4b32;
        const want = spec(form, SOURCES.bfloat16.tensor.toFloat32());
        const target = join(dir, "out.safetensors");
        const progress: number[] = [];
        const job = { ...entryJob({ file, offset: pad, code: 1, N, K, shape: [N, K] }, { name: "w", form: { kind: "nbits", bits: 4, blockSize: 32 } }, target), step: 32 };
        const crc = await pool.run(job, (b) => progress.push(b));
        const st = SafetensorsFile.open(target);
        for (const [n, b] of Object.entries(want)) expect(eq(bytesOf(st.read(n)), b), n).toBe(true);
        expect(st.metadata.crc32).toBe(crc);
        const file8 = readFileSync(target);
        for (const n of st.names()) {
          const i = st.info(n);
          expect(crc).toContain(`${n}=${zlib.crc32(file8.subarray(i.byteOffset, i.byteOffset + i.byteLength)).toString(16).padStart(8, "0")}`);
        }
        st.close();
        expect(progress.reduce((a, b) => a + b, 0)).toBe(raw.length); // every source byte read once, in 3 reads
        expect(progress.length).toBe(3);
        expect(await pool.run({ kind: "crc", file, offset: pad, length: raw.length })).toBe(zlib.crc32(raw));
        await expect(pool.run({ kind: "crc", file, offset: pad, length: raw.length + 1 })).rejects.toThrow(/end of file/);
      } finally {
        await pool.close();
      }
    });
  });
});
