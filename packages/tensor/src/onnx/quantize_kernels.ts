/**
 * quantize_kernels.ts — the typed-array kernels that turn checkpoint rows into cached weight forms:
 * widen (float32 / bfloat16 / float16 bytes -> float32), per-channel int8 (DynamicQuantizeMatMul),
 * blockwise int4/int8 (MatMulNBits).
 *
 * Teaches: the same formulas as the readable specs (dynamic_quantize_matmul.ts `quantizePerChannelInt8`,
 * matmul_nbits.ts `quantizeBlockwise`), reorganised for speed and producing the SAME bytes:
 *   - rows at a time: a job reads rows [n0, n1) of W [N, K] straight from the checkpoint file in its
 *     own dtype (no float32 copy of a bf16 checkpoint on disk or in memory), widens them into a
 *     reusable float32 scratch, and quantizes them; every output of both forms depends on one row only;
 *   - the transposed int8 layout [K, N] is staged in bands of 64 rows (k-major, 4 rows per 32-bit
 *     word) and copied out 64 bytes per k: the spec's row-by-row loop writes one byte every N bytes;
 *   - a multiplication by the row's (or block's) reciprocal scale instead of a division per weight
 *     (the specs do the same: a double division is ~4x the multiply's throughput);
 *   - no allocation, no closures, no data-dependent branches per element: Math.round and a
 *     floor-based rounding both cost ~4x a plain loop on random data (mispredicted branches), so values
 *     are rounded half to even with the magic constant M = 1.5 * 2^52, (x + M) - M, as the specs do
 *     (dtype.ts roundHalfEven, inlined here because the kernels must be self-contained). The int8
 *     per-channel values need no clamp: |w| <= max |w| = 127 s (1 + 2^-24) rounds to at most 127.
 *   - `convertEntry` makes a whole cache file: read a chunk, convert it, write it at its offset and fold
 *     it into each tensor's crc32, so memory stays at one chunk for the row-major forms.
 * Every function here is SELF-CONTAINED (it uses only its arguments, Math and typed arrays, and the other
 * functions of this file by name), because convert_pool.ts starts its worker threads from their source
 * text: a worker cannot load TypeScript modules under tsx's tsImport (the CLI) or vitest. The same
 * functions also run in the calling thread when a cache entry is made synchronously.
 *
 * Source dtype codes: 0 float32, 1 bfloat16, 2 float16 (little-endian, as safetensors stores them).
 * Reference: the two specs named above; IEEE 754 binary16 for the float16 table.
 */

/** Source dtype code of the kernels: 0 float32, 1 bfloat16, 2 float16. */
export type SourceCode = 0 | 1 | 2;

/** Every float16 bit pattern's float32 value (exact: binary16 is a subset of binary32). */
export function f16Table(): Float32Array {
  const t = new Float32Array(65536);
  for (let b = 0; b < 65536; b++) {
    const sign = b & 0x8000 ? -1 : 1;
    const exp = (b >> 10) & 0x1f;
    const mant = b & 0x3ff;
    t[b] = exp === 0 ? sign * mant * 2 ** -24 : exp === 0x1f ? (mant ? NaN : sign * Infinity) : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return t;
}

/**
 * n elements of `src` (raw little-endian bytes of dtype `code`, 4-aligned) as float32 values: a view
 * of src itself for float32, else widened into `scratch` (which must hold n floats). `table` is f16Table()
 * (only read for float16).
 */
export function widenInto(src: Uint8Array, code: SourceCode, n: number, scratch: Float32Array, table: Float32Array): Float32Array {
  if (code === 0) return new Float32Array(src.buffer, src.byteOffset, n);
  const h = new Uint16Array(src.buffer, src.byteOffset, n);
  if (code === 1) {
    const bits = new Uint32Array(scratch.buffer, scratch.byteOffset, n);
    for (let i = 0; i < n; i++) bits[i] = h[i] << 16; // bf16 = the top half of a float32
  } else {
    for (let i = 0; i < n; i++) scratch[i] = table[h[i]];
  }
  return scratch.subarray(0, n);
}

/**
 * Rows [n0, n0 + rows) of W [N, K] (float32 `w`, row-major, the chunk only) quantized per output
 * channel: scales[n] = fround(max_k |w| / 127) (1 for an all-zero row), q[k * N + n] = the int8 byte
 * of round(w * (1 / s)) (within [-127, 127] by construction). Same bytes as quantizePerChannelInt8. Four rows at a time
 * make one 32-bit word per k (little-endian: row n in the low byte), staged k-major in `band`
 * (K * 64 bytes), then copied out 16 words per k; a tail that is not a whole group of 4 rows at a
 * 4-byte-aligned column takes the byte path.
 */
export function channelInt8Rows(w: Float32Array, rows: number, K: number, n0: number, N: number, q: Uint8Array, scales: Float32Array, band: Uint8Array): void {
  const ROUND = 6755399441055744; // 1.5 * 2^52, see the header
  const BAND = 64;
  const band32 = new Uint32Array(band.buffer, band.byteOffset, (K * BAND) >> 2);
  const words = (N & 3) === 0 && (n0 & 3) === 0 && (q.byteOffset & 3) === 0;
  const q32 = words ? new Uint32Array(q.buffer, q.byteOffset, q.length >> 2) : null;
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let k = r * K, end = k + K; k < end; k++) {
      const a = Math.abs(w[k]);
      if (a > m) m = a;
    }
    scales[n0 + r] = Math.fround(m > 0 ? m / 127 : 1);
  }
  for (let r0 = 0; r0 < rows; r0 += BAND) {
    const width = Math.min(BAND, rows - r0);
    const groups = q32 ? width >> 2 : 0;
    for (let g = 0; g < groups; g++) {
      const r = r0 + 4 * g;
      const a = r * K, b = a + K, c = b + K, d = c + K;
      const ia = 1 / scales[n0 + r], ib = 1 / scales[n0 + r + 1], ic = 1 / scales[n0 + r + 2], id = 1 / scales[n0 + r + 3];
      for (let k = 0, o = g; k < K; k++, o += BAND >> 2) { // rounded half to even, see the header
        band32[o] = ((w[a + k] * ia + ROUND - ROUND) & 255) | (((w[b + k] * ib + ROUND - ROUND) & 255) << 8) | (((w[c + k] * ic + ROUND - ROUND) & 255) << 16) | ((w[d + k] * id + ROUND - ROUND) << 24);
      }
    }
    if (q32) {
      for (let k = 0; k < K; k++) {
        const out = (k * N + n0 + r0) >> 2;
        for (let j = 0, o = k * (BAND >> 2); j < groups; j++) q32[out + j] = band32[o + j];
      }
    }
    for (let r = r0 + 4 * groups; r < r0 + width; r++) { // the byte path: a tail, or unaligned columns
      const inv = 1 / scales[n0 + r];
      for (let k = 0, i = r * K, out = n0 + r; k < K; k++, i++, out += N) q[out] = (w[i] * inv + ROUND - ROUND) & 255;
    }
  }
}

/**
 * Rows [n0, n0 + rows) of W [N, K] quantized blockwise along K for MatMulNBits (matmul_nbits.ts has
 * the formulas and the layout): packed [N, blocks, blockSize * bits / 8], scales [N * blocks], zero
 * points [N * blocks] (8-bit) or [N * ceil(blocks / 2)] nibbles (4-bit), written at row n0. `zps` must
 * be zero in those rows beforehand (4-bit nibbles are OR-ed in). Same bytes as quantizeBlockwise.
 */
export function blockwiseRows(w: Float32Array, rows: number, K: number, bits: number, blockSize: number, n0: number, packed: Uint8Array, scales: Float32Array, zps: Uint8Array): void {
  const blocks = Math.ceil(K / blockSize);
  const blob = (blockSize * bits) / 8;
  const levels = (1 << bits) - 1;
  const zpRow = bits === 8 ? blocks : Math.ceil(blocks / 2);
  const ROUND = 6755399441055744; // 1.5 * 2^52, see the header
  for (let r = 0; r < rows; r++) {
    const n = n0 + r;
    const row = r * K;
    for (let b = 0; b < blocks; b++) {
      const k0 = b * blockSize;
      const k1 = Math.min(K, k0 + blockSize);
      let lo = 0;
      let hi = 0;
      for (let k = row + k0, end = row + k1; k < end; k++) {
        const v = w[k];
        if (v < lo) lo = v;
        else if (v > hi) hi = v;
      }
      const scale = hi > lo ? (hi - lo) / levels : 1;
      const zr = -lo / scale + ROUND - ROUND;
      const zp = zr > levels ? levels : zr < 0 ? 0 : zr;
      const s32 = Math.fround(scale);
      scales[n * blocks + b] = s32;
      if (bits === 8) zps[n * zpRow + b] = zp;
      else zps[n * zpRow + (b >> 1)] |= zp << ((b & 1) * 4);
      const base = (n * blocks + b) * blob;
      const real = k1 - k0;
      const inv = 1 / s32;
      if (bits === 8) {
        for (let i = 0; i < blockSize; i++) {
          let v = zp;
          if (i < real) {
            v = w[row + k0 + i] * inv + ROUND - ROUND + zp;
            v = v > levels ? levels : v < 0 ? 0 : v;
          }
          packed[base + i] = v;
        }
      } else if (real === blockSize) { // a whole block: no bounds checks
        for (let i = 0, k = row + k0, o = base; i < blockSize; i += 2, k += 2, o++) {
          let a = w[k] * inv + ROUND - ROUND + zp;
          let c = w[k + 1] * inv + ROUND - ROUND + zp;
          a = a > levels ? levels : a < 0 ? 0 : a;
          c = c > levels ? levels : c < 0 ? 0 : c;
          packed[o] = a | (c << 4);
        }
      } else {
        for (let i = 0; i < blockSize; i += 2) {
          let a = zp;
          let c = zp;
          if (i < real) {
            a = w[row + k0 + i] * inv + ROUND - ROUND + zp;
            a = a > levels ? levels : a < 0 ? 0 : a;
          }
          if (i + 1 < real) {
            c = w[row + k0 + i + 1] * inv + ROUND - ROUND + zp;
            c = c > levels ? levels : c < 0 ? 0 : c;
          }
          packed[base + (i >> 1)] = a | (c << 4);
        }
      }
    }
  }
}

/** The form a job produces, and the names of the tensors it fills (the cache file's tensors). */
export type RowsForm = { kind: "f32" } | { kind: "int8ch" } | { kind: "nbits"; bits: number; blockSize: number };

/**
 * Rows [n0, n0 + rows) of a source tensor [N, K] into the output buffers of its form (shared by every
 * job of the tensor; each job writes only its rows):
 *   f32     out.tensor float32 [N, K]   (a float32 source is copied, bf16/f16 widened straight into it)
 *   int8ch  out.weight int8 [K, N], out.scales float32 [N]
 *   nbits   out.packed, out.scales, out.zero_points (matmul_nbits.ts layout)
 * `src` holds the rows' raw bytes (4-aligned); scratch (rows * K floats), band (K * 64 bytes) and
 * table (f16Table()) are the caller's reusable buffers.
 */
export function convertRows(src: Uint8Array, code: SourceCode, form: RowsForm, rows: number, n0: number, N: number, K: number, out: Record<string, ArrayBufferLike>, scratch: Float32Array, band: Uint8Array, table: Float32Array): void {
  const n = rows * K;
  if (form.kind === "f32") {
    const dst = new Float32Array(out.tensor, n0 * K * 4, n);
    if (code === 0) dst.set(new Float32Array(src.buffer, src.byteOffset, n));
    else widenInto(src, code, n, dst, table);
    return;
  }
  const w = widenInto(src, code, n, scratch, table);
  if (form.kind === "int8ch") channelInt8Rows(w, rows, K, n0, N, new Uint8Array(out.weight), new Float32Array(out.scales), band);
  else blockwiseRows(w, rows, K, form.bits, form.blockSize, n0, new Uint8Array(out.packed), new Float32Array(out.scales), new Uint8Array(out.zero_points));
}

/** One cache file to make from a checkpoint tensor (weight_cache.ts fills it in; a worker runs it). */
export interface EntryJob {
  /** The checkpoint shard and the tensor's absolute offset in it; its dtype code and [N, K]. */
  file: string;
  offset: number;
  code: SourceCode;
  form: RowsForm;
  N: number;
  K: number;
  /** Rows per read (~4M elements; a multiple of 64 for int8ch, the kernel's band). */
  step: number;
  /** The file's safetensors header; its metadata holds "<name>=00000000" per tensor, the crc32 to fill in. */
  header: Uint8Array;
  /** The file's tensors in write order: byte length, offset in the data section, where its 8 crc digits go in the header. */
  tensors: { name: string; bytes: number; begin: number; crcAt: number }[];
  /** Final path; the file is written to `<target>.<pid>.partial` and renamed. */
  target: string;
}

/** A converting thread's reusable buffers (grown as needed; int8ch outputs recycled by byte length). */
export interface EntryState {
  raw: Uint8Array;
  scratch: Float32Array;
  band: Uint8Array;
  table: Float32Array;
  free: Map<number, ArrayBuffer[]>;
}

/**
 * Make one cache file: read the tensor `step` rows at a time in its own dtype, convert, write, and
 * crc32 each output tensor; patch the crcs into the header; write to a .partial file and rename it.
 * Forms whose outputs are row-major (f32, nbits: every tensor has N rows) are written chunk by chunk at
 * their offsets, so memory stays at one chunk (a 2.1 GB embedding widened to float32 never exists in
 * memory); int8ch's [K, N] output takes whole columns from every chunk, so it is assembled first (at
 * most K * N bytes: 33.5 MB for Gemma 2B's MLP). Returns the header's crc field ("name=hex,...").
 * `fs` and `zlib` are Node's modules, passed in so this function stays self-contained (convert_pool.ts
 * runs it from its source text); `onRows(bytes)` reports checkpoint bytes read.
 */
export function convertEntry(job: EntryJob, fs: typeof import("node:fs"), zlib: typeof import("node:zlib"), state: EntryState, pid: number, onRows?: (bytes: number) => void): string {
  const bpe = job.code === 0 ? 4 : 2;
  const whole = job.form.kind === "int8ch";
  const maxRows = Math.min(job.step, job.N);
  const out: Record<string, ArrayBuffer> = {};
  for (const t of job.tensors) {
    const size = whole ? t.bytes : (t.bytes / job.N) * maxRows;
    const list = state.free.get(size);
    out[t.name] = list && list.length ? list.pop()! : new ArrayBuffer(size);
  }
  if (state.raw.length < maxRows * job.K * bpe) state.raw = new Uint8Array(maxRows * job.K * bpe);
  if (job.form.kind !== "f32" && job.code !== 0 && state.scratch.length < maxRows * job.K) state.scratch = new Float32Array(maxRows * job.K);
  if (whole && state.band.length < job.K * 64) state.band = new Uint8Array(job.K * 64);
  const tmp = `${job.target}.${pid}.partial`;
  const crc: Record<string, number> = {};
  const write = (fd: number, b: Uint8Array, pos: number) => {
    for (let done = 0; done < b.length; ) done += fs.writeSync(fd, b, done, Math.min(b.length - done, 1 << 30), pos + done);
  };
  let src = -1;
  let dst = -1;
  try {
    src = fs.openSync(job.file, "r");
    dst = fs.openSync(tmp, "w");
    for (const t of job.tensors) crc[t.name] = 0;
    for (let n0 = 0; n0 < job.N; n0 += job.step) {
      const rows = Math.min(job.step, job.N - n0);
      const raw = state.raw.subarray(0, rows * job.K * bpe);
      for (let done = 0, pos = job.offset + n0 * job.K * bpe; done < raw.length; ) {
        const got = fs.readSync(src, raw, done, Math.min(raw.length - done, 1 << 30), pos + done);
        if (got === 0) throw new Error(`${job.file}: unexpected end of file at byte ${pos + done}`);
        done += got;
      }
      if (job.form.kind === "nbits" && job.form.bits === 4) new Uint8Array(out.zero_points).fill(0); // nibbles are OR-ed in
      convertRows(raw, job.code, job.form, rows, whole ? n0 : 0, whole ? job.N : rows, job.K, out, state.scratch, state.band, state.table);
      if (!whole) {
        for (const t of job.tensors) {
          const rowBytes = t.bytes / job.N;
          const chunk = new Uint8Array(out[t.name], 0, rowBytes * rows);
          write(dst, chunk, job.header.length + t.begin + n0 * rowBytes);
          crc[t.name] = zlib.crc32(chunk, crc[t.name]);
        }
      }
      onRows?.(raw.length);
    }
    if (whole) {
      for (const t of job.tensors) {
        const b = new Uint8Array(out[t.name]);
        write(dst, b, job.header.length + t.begin);
        crc[t.name] = zlib.crc32(b);
      }
    }
    const header = job.header.slice();
    for (const t of job.tensors) {
      const hex = (crc[t.name] >>> 0).toString(16).padStart(8, "0");
      for (let i = 0; i < 8; i++) header[t.crcAt + i] = hex.charCodeAt(i);
    }
    write(dst, header, 0);
    fs.closeSync(dst);
    dst = -1;
    fs.renameSync(tmp, job.target);
    return job.tensors.map((t) => `${t.name}=${(crc[t.name] >>> 0).toString(16).padStart(8, "0")}`).join(",");
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    if (src >= 0) fs.closeSync(src);
    if (dst >= 0) fs.closeSync(dst);
    for (const t of job.tensors) {
      const b = out[t.name];
      const list = state.free.get(b.byteLength) ?? [];
      if (list.length < 2) list.push(b); // a model repeats its shapes; keep two buffers per size at most
      state.free.set(b.byteLength, list);
    }
  }
}
