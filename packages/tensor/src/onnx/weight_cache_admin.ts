/**
 * weight_cache_admin.ts — look after a whole weight-cache root: verify every dir and file, clear it.
 *
 * Teaches: what a cache owes its user besides speed: a way to ask "is it sound?" and "take it back".
 *   verify  for every dir under <root>/weights: is its checkpoint still the one it was made from
 *           (source.json against the shards' identity: weight_cache.ts), and does every file pass
 *           the cheap checks and its crc32 (on the worker pool, ~3 GB/s per core); plus leftover
 *           `.partial` files. Read-only: a load deletes and rebuilds what it finds broken.
 *   clear   delete every dir (or only those made from one checkpoint); returns the bytes freed.
 * Dirs without a source.json of this format (older versions) are reported as such and cleared by
 * `clear`, never touched by a load.
 *
 * Reference: weight_cache.ts (key, file format, checks); `paligemma cache` (packages/cli).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SafetensorsFile } from "../safetensors/safetensors_file.ts";
import type { ConvertPool } from "./convert_pool.ts";
import { WEIGHT_CACHE_VERSION, checksumProblem } from "./cache_file.ts";
import type { CacheSource } from "./weight_cache.ts";

/** One dir's verdict. */
export interface CacheDirReport {
  dir: string;
  /** The checkpoint it was made from (null: no source.json of this format). */
  checkpoint: string | null;
  /** "ok", "stale" (its checkpoint changed or is gone), or "other-version". */
  status: "ok" | "stale" | "other-version";
  /** Why stale: the first field that differs, or the missing shard. */
  staleReason?: string;
  files: number;
  bytes: number;
  /** Files that failed a check: name and reason. */
  broken: { file: string; reason: string }[];
  /** `.partial` leftovers. */
  partial: string[];
}

const dirsOf = (root: string) => {
  const top = path.join(root, "weights");
  return fs.existsSync(top) ? fs.readdirSync(top).map((d) => path.join(top, d)).filter((d) => fs.statSync(d).isDirectory()) : [];
};

function readSource(dir: string): CacheSource | null {
  try {
    const s = JSON.parse(fs.readFileSync(path.join(dir, "source.json"), "utf8")) as CacheSource;
    return s.version === WEIGHT_CACHE_VERSION ? s : null;
  } catch {
    return null;
  }
}

/** Does each shard still have the identity recorded in `source`? null if so, else what changed. */
function staleness(source: CacheSource): string | null {
  for (const shard of source.shards) {
    let f: SafetensorsFile;
    try {
      f = SafetensorsFile.open(shard.path);
    } catch (e) {
      return `${shard.path}: ${(e as Error).message}`;
    }
    f.close();
    const field = (["size", "ino", "dev", "mtimeNs", "ctimeNs", "headerSha256"] as const).find((k) => f.identity[k] !== shard[k]);
    if (field) return `${shard.path}: ${field} changed`;
  }
  return null;
}

/** Verify every dir of `root` (see the header); checksums run on `pool`. */
export async function verifyCacheRoot(root: string, pool: ConvertPool): Promise<CacheDirReport[]> {
  const reports: CacheDirReport[] = [];
  for (const dir of dirsOf(root)) {
    const source = readSource(dir);
    const names = fs.readdirSync(dir);
    const files = names.filter((f) => f.endsWith(".safetensors"));
    const report: CacheDirReport = {
      dir, checkpoint: source?.checkpoint ?? null, status: source ? "ok" : "other-version", files: files.length,
      bytes: files.reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0), broken: [], partial: names.filter((f) => f.endsWith(".partial")),
    };
    if (source) {
      const why = staleness(source);
      if (why) Object.assign(report, { status: "stale", staleReason: why });
      const checked = await Promise.all(files.map(async (f) => ({ file: f, reason: await checksumProblem(path.join(dir, f), pool) })));
      report.broken = checked.filter((c): c is { file: string; reason: string } => c.reason !== null);
    }
    reports.push(report);
  }
  return reports;
}

/** Delete every cache dir of `root`, or only those made from the checkpoint whose shards are `shardPaths` (real paths). */
export function clearCacheRoot(root: string, shardPaths?: readonly string[]): { dirs: string[]; bytes: number } {
  const out = { dirs: [] as string[], bytes: 0 };
  const want = shardPaths ? new Set(shardPaths.map((p) => fs.realpathSync(p))) : null;
  for (const dir of dirsOf(root)) {
    if (want && !readSource(dir)?.shards.some((s) => want.has(s.path))) continue;
    for (const f of fs.readdirSync(dir)) out.bytes += fs.statSync(path.join(dir, f)).size;
    fs.rmSync(dir, { recursive: true, force: true });
    out.dirs.push(dir);
  }
  return out;
}
