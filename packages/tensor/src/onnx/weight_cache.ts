/**
 * weight_cache.ts — transform a checkpoint's weights once (bf16 -> f32, f32/bf16/f16 -> int8/int4),
 * keep them on disk, and never serve a stale or damaged entry.
 *
 * Teaches: a cache is only as good as its key and its checks.
 *   key    sha256 of, for every shard: real path, size, mtime and ctime (ns), inode, device, and the
 *          sha256 of its safetensors header; plus the format version. An in-place rewrite that keeps
 *          size and mtime (`cp -p`, `rsync -a`, `touch -r`) still moves ctime (no user call can set it)
 *          and `rsync` also makes a new inode; the header hash catches a changed layout even where
 *          ctime is unreliable. Cost: one fstat and one hash of a ~60 KB header per shard, both already
 *          done when the checkpoint is opened. (ctime also moves on chmod or a new hard link: that
 *          rebuilds an unchanged cache, the safe direction.) A full content hash would read 12 GB.
 *   dir    $PALIGEMMA_CACHE or ~/.cache/paligemma-ts, then weights/<key>/ with source.json (what the
 *          key was made from). When a NEW key is made for a checkpoint path, an older dir of the same
 *          path is stale: it is removed with one line saying which field changed.
 *   file   one .safetensors per weight and form: <name>.f32 (the float32 tensor), <name>.int8ch
 *          (weight [K, N] int8 bytes + scales [N], per output channel: DynamicQuantizeMatMul),
 *          <name>.int4b128 / .int8b128 (packed, scales, zero_points: MatMulNBits). Its __metadata__
 *          records the format, the data section's byte count and each tensor's zlib crc32
 *          ("packed=..,scales=..,zero_points=.."), computed as the bytes are written.
 *   checks on every use, cheap: the header parses, the metadata is this format's, the file is exactly
 *          8 + header + data_bytes long (a truncated file is caught here), the tensors have the
 *          expected names and shapes. The crc32s of the data (~3 GB/s per core) are checked whenever
 *          the file is not byte-for-byte the one this cache wrote or last verified: checked.json
 *          records each file's (size, mtime, ctime ns, inode) then, and any write, truncation or
 *          replacement moves ctime. So a cached start stats its files and reads none of them (a full
 *          crc of a bf16 model's 11.7 GB float32 cache would be the whole start: 23.9 s vs ~0.2 s
 *          measured); a file changed behind the cache's back is checksummed on the worker pool while
 *          the sessions are created. What this cannot see is bit rot below the file system, which
 *          `paligemma cache verify` (every crc, every file) is for. Any failed check deletes the file and
 *          rebuilds it, with one line on stderr saying why.
 *   orphans `*.<pid>.partial` files (a writer writes there, then renames) whose process is gone, or
 *          that are over an hour old, are deleted when the dir is opened.
 * Sessions reference the files as external-data initializers (the folder is the cache dir), exactly like
 * float32 weights in the original checkpoint; ORT needs all of a session's external files in ONE folder,
 * which is why every form of a checkpoint lives in the same dir. Conversion itself: quantize_kernels.ts
 * (the arithmetic), convert_pool.ts (a worker per core); cache_file.ts (one file: name, layout,
 * checks, atomic write, orphans); this file decides what to make, makes it and checks it.
 *
 * Reference: matmul_nbits.ts, dynamic_quantize_matmul.ts (the formats); Hugging Face hub's cache.
 * Leaves out: eviction by size (`paligemma cache clear`), locking between concurrent writers (both
 * write identical bytes to their own .partial; the last rename wins).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { DTYPE_BYTES, type DType } from "../dtype.ts";
import { ArgumentError } from "../errors.ts";
import type { Checkpoint } from "../safetensors/checkpoint.ts";
import { SafetensorsFile } from "../safetensors/safetensors_file.ts";
import { safetensorsHeader } from "../safetensors/write.ts";
import { numel } from "../tensor.ts";
import { type CacheEntry, WEIGHT_CACHE_FORMAT, WEIGHT_CACHE_VERSION, cacheFileName, checksumProblem, formLayout, openCacheFile, removeOrphans, writeAtomic } from "./cache_file.ts";
import type { ConvertPool, MakeJob } from "./convert_pool.ts";
import { type SourceCode, convertEntry, f16Table } from "./quantize_kernels.ts";

/** Where one cached part lives: relative file name + byte range, for externalInitializer. */
export interface CachedPart {
  location: string;
  offset: number;
  length: number;
  shape: number[];
}

/** A cache file that failed a check (and was removed). */
export interface CacheProblem {
  file: string;
  reason: string;
}

/** Progress of a conversion, in bytes of the checkpoint read. */
export interface ConvertProgress {
  doneBytes: number;
  totalBytes: number;
  /** The tensor finished last. */
  name: string;
  /** Since the conversion started. */
  bytesPerSecond: number;
}

/**
 * The job that makes cache file `target` for entry `e` from its source tensor (shape [N, K] at
 * `offset` of `file`, dtype `code`): the header is laid out here with a "name=00000000" crc32 per
 * tensor in its metadata, which the worker fills in as it writes.
 */
export function entryJob(source: { file: string; offset: number; code: SourceCode; N: number; K: number; shape: readonly number[] }, e: CacheEntry, target: string): MakeJob {
  const layout = formLayout(e.form, source.shape);
  const dataBytes = Object.values(layout).reduce((a, t) => a + numel(t.shape) * DTYPE_BYTES[t.dtype], 0);
  const placeholder = safetensorsHeader(layout).order.map((o) => `${o.name}=00000000`).join(",");
  const meta = { format: WEIGHT_CACHE_FORMAT, source: e.name, form: cacheFileName(e).split(".").slice(-2, -1)[0], data_bytes: String(dataBytes), crc32: placeholder };
  const { header, order } = safetensorsHeader(layout, meta);
  const field = header.indexOf(`"crc32":"${placeholder}"`) + '"crc32":"'.length;
  return {
    kind: "entry", file: source.file, offset: source.offset, code: source.code, form: e.form, N: source.N, K: source.K,
    step: Math.max(64, Math.floor((4 << 20) / Math.max(1, source.K) / 64) * 64), // ~4M elements per read, whole 64-row bands
    header: new Uint8Array(header),
    tensors: order.map((o) => ({ name: o.name, bytes: o.end - o.begin, begin: o.begin, crcAt: field + placeholder.indexOf(`${o.name}=`) + o.name.length + 1 })),
    target,
  };
}

/** Default cache root: $PALIGEMMA_CACHE, else ~/.cache/paligemma-ts. */
export function defaultCacheRoot(): string {
  return process.env.PALIGEMMA_CACHE ?? path.join(os.homedir(), ".cache", "paligemma-ts");
}

const CODES: Partial<Record<DType, SourceCode>> = { float32: 0, bfloat16: 1, float16: 2 };

/** What a cache dir was made from (its source.json). */
export interface CacheSource {
  version: number;
  checkpoint: string;
  shards: ({ path: string } & SafetensorsFile["identity"])[];
}

export class WeightCache {
  readonly dir: string;
  readonly source: CacheSource;
  private readonly log: (line: string) => void;
  /** Entries checked (or written) in this process: file -> parts. */
  private readonly ready = new Map<string, Record<string, CachedPart>>();
  /** checked.json: file -> identity when this cache last wrote or checksummed it (see the header). */
  private trusted: Record<string, string> = {};

  constructor(
    readonly checkpoint: Checkpoint,
    readonly root = defaultCacheRoot(),
    options: { log?: (line: string) => void } = {},
  ) {
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    const shards = checkpoint.files.map((f) => ({ path: fs.realpathSync(f.path), ...f.identity }));
    this.source = { version: WEIGHT_CACHE_VERSION, checkpoint: path.resolve(checkpoint.path), shards };
    const key = createHash("sha256").update(JSON.stringify(this.source)).digest("hex").slice(0, 16);
    const top = path.join(root, "weights");
    this.dir = path.join(top, key);
    if (!fs.existsSync(path.join(this.dir, "source.json"))) {
      this.removeStale(top);
      fs.mkdirSync(this.dir, { recursive: true });
      writeAtomic(path.join(this.dir, "source.json"), (tmp) => fs.writeFileSync(tmp, JSON.stringify(this.source, null, 1)));
    }
    removeOrphans(this.dir);
    try {
      this.trusted = JSON.parse(fs.readFileSync(path.join(this.dir, "checked.json"), "utf8"));
    } catch {
      this.trusted = {}; // missing or unreadable: every file is checksummed once
    }
  }

  /** A file's identity: size, mtime and ctime (ns), inode. */
  private identity(file: string): string {
    const st = fs.statSync(path.join(this.dir, file), { bigint: true });
    return `${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
  }

  /** The entries among `entries` whose files changed since this cache wrote or checksummed them. */
  untrusted(entries: readonly CacheEntry[]): CacheEntry[] {
    return entries.filter((e) => this.trusted[cacheFileName(e)] !== this.identity(cacheFileName(e)));
  }

  /** Record that these files are the bytes their crc32s describe (just written, or just checksummed). */
  private trust(entries: readonly CacheEntry[]): void {
    if (entries.length === 0) return;
    let onDisk: Record<string, string> = {};
    try {
      onDisk = JSON.parse(fs.readFileSync(path.join(this.dir, "checked.json"), "utf8")); // another process may have added some
    } catch {}
    for (const e of entries) this.trusted[cacheFileName(e)] = this.identity(cacheFileName(e));
    this.trusted = { ...onDisk, ...this.trusted };
    writeAtomic(path.join(this.dir, "checked.json"), (tmp) => fs.writeFileSync(tmp, JSON.stringify(this.trusted)));
  }

  /** A cache dir made from an earlier state of the same shards is stale: say what changed, remove it. */
  private removeStale(top: string): void {
    const mine = new Map(this.source.shards.map((s) => [s.path, s]));
    for (const d of fs.existsSync(top) ? fs.readdirSync(top) : []) {
      let other: CacheSource;
      try {
        other = JSON.parse(fs.readFileSync(path.join(top, d, "source.json"), "utf8"));
      } catch {
        continue; // not a dir of this format
      }
      if (other.version !== WEIGHT_CACHE_VERSION) continue;
      const old = other.shards.find((s) => mine.has(s.path));
      if (!old) continue;
      const now = mine.get(old.path)!;
      const field = (["size", "ino", "dev", "mtimeNs", "ctimeNs", "headerSha256"] as const).find((k) => old[k] !== now[k]) ?? "shard list";
      this.log(`paligemma: weight cache: ${old.path} changed since ${path.join(top, d)} was made (${field}); converting its weights again`);
      fs.rmSync(path.join(top, d), { recursive: true, force: true });
    }
  }

  /** The source tensor of an entry: file, offset, dtype code, [N, K]. */
  private sourceOf(e: CacheEntry): { file: string; offset: number; code: SourceCode; N: number; K: number; shape: number[]; bytes: number } {
    const info = this.checkpoint.info(e.name);
    const code = CODES[info.dtype];
    if (code === undefined) throw new ArgumentError(`weight cache: ${e.name} is ${info.dtype}; only float32, bfloat16 and float16 tensors can be converted`);
    if (e.form.kind !== "f32" && info.shape.length !== 2) throw new ArgumentError(`weight cache: ${e.name} [${info.shape.join(", ")}] must be 2-D [out, in] to be quantized`);
    const N = info.shape[0] ?? 1;
    return { file: fs.realpathSync(info.file), offset: info.byteOffset, code, N, K: numel(info.shape) / Math.max(1, N), shape: info.shape, bytes: info.byteLength };
  }

  /** null when the entry's file is usable (header, format, exact size, layout), else why not; usable parts are remembered. */
  check(e: CacheEntry): string | null {
    const file = cacheFileName(e);
    if (this.ready.has(file)) return null;
    const full = path.join(this.dir, file);
    if (!fs.existsSync(full)) return "missing";
    const opened = openCacheFile(full);
    if (typeof opened === "string") return opened;
    const st = opened;
    try {
      const parts: Record<string, CachedPart> = {};
      for (const [n, want] of Object.entries(formLayout(e.form, this.sourceOf(e).shape))) {
        if (!st.has(n)) return `has no tensor "${n}"`;
        const i = st.info(n);
        if (i.dtype !== want.dtype || i.shape.join(",") !== want.shape.join(",")) return `tensor "${n}" is ${i.dtype} [${i.shape}], expected ${want.dtype} [${want.shape}]`;
        parts[n] = { location: file, offset: i.byteOffset, length: i.byteLength, shape: i.shape };
      }
      this.ready.set(file, parts);
      return null;
    } finally {
      st.close();
    }
  }

  /** The entries that must be made: missing ones, and broken ones (deleted here, one line each). */
  missing(entries: readonly CacheEntry[]): CacheEntry[] {
    return entries.filter((e) => {
      const why = this.check(e);
      if (why === null) return false;
      if (why !== "missing") this.evict(e, why);
      return true;
    });
  }

  /** The parts of `e` for externalInitializer; made here (in this thread) if missing or broken. */
  parts(e: CacheEntry): Record<string, CachedPart> {
    const file = cacheFileName(e);
    if (this.missing([e]).length) this.makeSync(e);
    return this.ready.get(file)!;
  }

  /** Delete a broken entry's file, with one line saying why. */
  evict(e: CacheEntry, reason: string): void {
    const file = cacheFileName(e);
    this.log(`paligemma: weight cache: ${path.join(this.dir, file)}: ${reason}; rebuilding it`);
    fs.rmSync(path.join(this.dir, file), { force: true });
    this.ready.delete(file);
  }

  /** The job that makes an entry's file. */
  private job(e: CacheEntry): MakeJob {
    return entryJob(this.sourceOf(e), e, path.join(this.dir, cacheFileName(e)));
  }

  /** After a file was written: it must pass the checks like any other. */
  private written(e: CacheEntry): void {
    this.ready.delete(cacheFileName(e));
    const why = this.check(e);
    if (why !== null) throw new ArgumentError(`weight cache: ${cacheFileName(e)} failed its check right after being written: ${why}`);
  }

  /** Make one entry in this thread (the same kernel the pool runs). */
  private makeSync(e: CacheEntry): void {
    const state = { raw: new Uint8Array(0), scratch: new Float32Array(0), band: new Uint8Array(0), table: f16Table(), free: new Map() };
    convertEntry(this.job(e), fs, zlib, state, process.pid);
    this.written(e);
    this.trust([e]);
  }

  /**
   * Queue `entries` on the pool's workers, in the given order (the order their sessions will be
   * created in); returns each entry's file name -> when it is made. Progress counts checkpoint bytes read.
   */
  make(entries: readonly CacheEntry[], pool: ConvertPool, onProgress?: (p: ConvertProgress) => void): Map<string, Promise<void>> {
    const totalBytes = entries.reduce((a, e) => a + this.sourceOf(e).bytes, 0);
    const t0 = performance.now();
    let doneBytes = 0;
    const made = new Map(entries.map((e) => [cacheFileName(e), pool.run(this.job(e), (bytes) => {
      doneBytes += bytes;
      onProgress?.({ doneBytes, totalBytes, name: e.name, bytesPerSecond: doneBytes / Math.max(1e-3, (performance.now() - t0) / 1000) });
    }).then(() => this.written(e))]));
    Promise.all(made.values()).then(() => this.trust(entries), () => {}); // written from memory: their crc32s hold
    return made;
  }

  /** crc32 of every entry's data on the pool; a mismatch evicts the file (one line) and is returned; the rest are trusted from now on. */
  async verify(entries: readonly CacheEntry[], pool: ConvertPool): Promise<CacheProblem[]> {
    const problems: CacheProblem[] = [];
    const good: CacheEntry[] = [];
    await Promise.all(entries.map(async (e) => {
      const file = path.join(this.dir, cacheFileName(e));
      const reason = await checksumProblem(file, pool);
      if (reason === null) good.push(e);
      else {
        this.evict(e, reason);
        problems.push({ file, reason });
      }
    }));
    this.trust(good);
    return problems;
  }
}
