/**
 * cache_file.ts — one weight-cache file: its name, the tensors each form holds, the cheap checks and
 * the checksum check, atomic writes, and leftover `.partial` files (weight_cache.ts has the design).
 *
 * Teaches: what makes a cache file trustworthy without reading all of it: a format tag, the exact
 * data size and a crc32 recorded in its safetensors __metadata__ when it is written, then checked:
 * size and header on every use (microseconds), crc32 when there is a core to spare (~3 GB/s).
 *
 * Reference: weight_cache.ts, safetensors/format.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DType } from "../dtype.ts";
import { SafetensorsFile } from "../safetensors/safetensors_file.ts";
import { numel } from "../tensor.ts";
import type { ConvertPool } from "./convert_pool.ts";
import type { QuantBits } from "./matmul_nbits.ts";

export const WEIGHT_CACHE_VERSION = 4;
/** `__metadata__.format` of every cache file (and `version` of source.json). */
export const WEIGHT_CACHE_FORMAT = `paligemma-ts weight cache ${WEIGHT_CACHE_VERSION}`;

/** The form a cached tensor takes. */
export type CacheForm = { kind: "f32" } | { kind: "int8ch" } | { kind: "nbits"; bits: QuantBits; blockSize: number };

/** One cached tensor: a checkpoint tensor in a form. */
export interface CacheEntry {
  name: string;
  form: CacheForm;
}

/** The file name of an entry: `<name>.<form>.safetensors`. */
export function cacheFileName(e: CacheEntry): string {
  const tag = e.form.kind === "nbits" ? `int${e.form.bits}b${e.form.blockSize}` : e.form.kind;
  return `${e.name.replace(/[^A-Za-z0-9_.-]/g, "_")}.${tag}.safetensors`;
}

/** The tensors (name -> dtype, shape) a form of a [N, K] source holds; `shape` is the source's full shape. */
export function formLayout(form: CacheForm, shape: readonly number[]): Record<string, { dtype: DType; shape: number[] }> {
  const N = shape[0] ?? 1;
  const K = numel(shape) / Math.max(1, N);
  if (form.kind === "f32") return { tensor: { dtype: "float32", shape: [...shape] } };
  if (form.kind === "int8ch") return { weight: { dtype: "uint8", shape: [K, N] }, scales: { dtype: "float32", shape: [N] } };
  const blocks = Math.ceil(K / form.blockSize);
  const zpRow = form.bits === 8 ? blocks : Math.ceil(blocks / 2);
  return {
    packed: { dtype: "uint8", shape: [N, blocks, (form.blockSize * form.bits) / 8] },
    scales: { dtype: "float32", shape: [N * blocks] },
    zero_points: { dtype: "uint8", shape: [N * zpRow] },
  };
}

const ORPHAN_AGE_MS = 3600_000;

/** Is process `pid` alive (or not ours to signal)? */
function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/** Remove `*.<pid>.partial` files in `dir` whose writer is gone or that are over an hour old; returns how many. */
export function removeOrphans(dir: string, now = Date.now()): number {
  let removed = 0;
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const m = /\.(\d+)\.partial$/.exec(f);
    if (!m) continue;
    const full = path.join(dir, f);
    const st = fs.statSync(full, { throwIfNoEntry: false });
    if (st && (!alive(Number(m[1])) || now - st.mtimeMs > ORPHAN_AGE_MS)) {
      fs.rmSync(full, { force: true });
      removed++;
    }
  }
  return removed;
}

/** The crc32 field of a cache file's metadata: tensor name -> 8 hex digits ("packed=..,scales=.."), or null if malformed. */
export function recordedCrcs(field: string | undefined): Map<string, string> | null {
  if (!field || !/^[A-Za-z0-9_]+=[0-9a-f]{8}(,[A-Za-z0-9_]+=[0-9a-f]{8})*$/.test(field)) return null;
  return new Map(field.split(",").map((p) => p.split("=") as [string, string]));
}

/**
 * Open a cache file and run the cheap checks (header parses, this format's metadata with a crc32 per
 * tensor, exactly data_bytes of data): the open file, or why it is unusable.
 */
export function openCacheFile(full: string): SafetensorsFile | string {
  let st: SafetensorsFile;
  try {
    st = SafetensorsFile.open(full);
  } catch (err) {
    return (err as Error).message.replace(`${full}: `, "");
  }
  const m = st.metadata;
  let why: string | null = null;
  if (m.format !== WEIGHT_CACHE_FORMAT) why = `written by ${m.format ? `"${m.format}"` : "an older version"}, not "${WEIGHT_CACHE_FORMAT}"`;
  else if (String(st.dataLength) !== m.data_bytes) why = `data section is ${st.dataLength} bytes, its header says ${m.data_bytes} (truncated or appended to)`;
  else if (!recordedCrcs(m.crc32) || st.names().some((n) => !recordedCrcs(m.crc32)!.has(n))) why = "its header records no crc32 for some tensor";
  if (why === null) return st;
  st.close();
  return why;
}

/** The crc32 of each tensor of a cache file on the pool, against its record: null when all equal, else the first reason. */
export async function checksumProblem(full: string, pool: ConvertPool): Promise<string | null> {
  const st = openCacheFile(full);
  if (typeof st === "string") return st;
  const want = recordedCrcs(st.metadata.crc32)!;
  const ranges = st.names().map((n) => ({ name: n, ...st.info(n) }));
  st.close();
  const got = await Promise.all(ranges.map((r) => pool.run({ kind: "crc", file: full, offset: r.byteOffset, length: r.byteLength })));
  const bad = ranges.findIndex((r, i) => got[i].toString(16).padStart(8, "0") !== want.get(r.name));
  return bad < 0 ? null : `data fails its checksum (tensor "${ranges[bad].name}": crc32 ${got[bad].toString(16).padStart(8, "0")}, recorded ${want.get(ranges[bad].name)})`;
}

/** Write `data` to `file` through `file.<pid>.partial` + rename (readers never see a partial file). */
export function writeAtomic(file: string, write: (tmp: string) => void): void {
  const tmp = `${file}.${process.pid}.partial`;
  try {
    write(tmp);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}
