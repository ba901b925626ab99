/**
 * commands/cache.ts — `paligemma cache verify|clear`: look after the weight cache (quantized and
 * widened weights made on a first start; @paligemma-ts/tensor weight_cache.ts).
 *
 *   paligemma cache verify [--cache DIR] [--json]   every dir: is its checkpoint unchanged (stale?),
 *                                                   does every file pass its size and crc32 checks;
 *                                                   leftover .partial files. Exit 1 if a file is
 *                                                   broken or a dir is stale. Changes nothing.
 *   paligemma cache clear  [--cache DIR] [--model DIR|ID [--revision R]]   delete every dir, or those of one checkpoint
 *
 * Teaches: a cache the user can inspect and reclaim. A load already checks what it uses (sizes always,
 * checksums while the sessions are created) and rebuilds a broken file with one line saying why; this
 * command checks everything at once, including dirs no load will look at again.
 *
 * Leaves out: repairing in place (`clear` + the next load does that).
 */
import { Checkpoint, ConvertPool, PaliGemmaError, clearCacheRoot, defaultCacheRoot, verifyCacheRoot } from "@paligemma-ts/tensor";
import { resolveModelDir } from "@paligemma-ts/paligemma";
import type { CliIO } from "../main.ts";

export interface CacheOptions {
  /** Cache root (default $PALIGEMMA_CACHE or ~/.cache/paligemma-ts). */
  cache?: string;
  /** clear: only the dirs made from this checkpoint folder (or Hugging Face id in the local Hub cache, at `revision`). */
  model?: string;
  revision?: string;
  json?: boolean;
}

/** `cache verify` found broken files or stale dirs (exit 1, after the report). */
export class CacheVerifyError extends PaliGemmaError {
  constructor(message: string) {
    super("E_CACHE_VERIFY", message);
  }
}

const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`;

export async function runCache(action: "verify" | "clear", opts: CacheOptions, io: CliIO): Promise<void> {
  const root = opts.cache ?? defaultCacheRoot();
  if (action === "clear") {
    let shards: string[] | undefined;
    if (opts.model) {
      const ckpt = Checkpoint.open(resolveModelDir(opts.model, { revision: opts.revision }).dir); // the folder a load of the same --model reads
      shards = ckpt.files.map((f) => f.path);
      ckpt.close();
    }
    const { dirs, bytes } = clearCacheRoot(root, shards);
    if (opts.json) io.stdout.write(`${JSON.stringify({ root, removed: dirs, bytes })}\n`);
    else io.stdout.write(`removed ${dirs.length} weight-cache dir${dirs.length === 1 ? "" : "s"} (${gb(bytes)}) from ${root}${opts.model ? ` made from ${opts.model}` : ""}\n`);
    return;
  }
  const pool = new ConvertPool();
  const reports = await verifyCacheRoot(root, pool).finally(() => pool.close());
  const broken = reports.reduce((a, r) => a + r.broken.length, 0);
  const stale = reports.filter((r) => r.status === "stale");
  if (opts.json) io.stdout.write(`${JSON.stringify({ root, dirs: reports })}\n`);
  else {
    for (const r of reports) {
      const status = r.status === "stale" ? `stale (${r.staleReason})` : r.status === "other-version" ? "made by another version (not used by this one)" : "ok";
      io.stdout.write(`${r.dir}: ${status}, ${r.files} files, ${gb(r.bytes)}${r.checkpoint ? `, from ${r.checkpoint}` : ""}\n`);
      for (const b of r.broken) io.stdout.write(`  broken: ${b.file}: ${b.reason}\n`);
      for (const p of r.partial) io.stdout.write(`  leftover: ${p}\n`);
    }
    io.stdout.write(`${reports.length} dir${reports.length === 1 ? "" : "s"} under ${root}: ${broken} broken file${broken === 1 ? "" : "s"}, ${stale.length} stale dir${stale.length === 1 ? "" : "s"}\n`);
  }
  if (broken || stale.length) {
    throw new CacheVerifyError(`cache verify: ${broken} broken file${broken === 1 ? "" : "s"}, ${stale.length} stale dir${stale.length === 1 ? "" : "s"} (\`paligemma cache clear\` reclaims ${gb(stale.reduce((a, r) => a + r.bytes, 0))} of stale dirs; the next load rebuilds broken files)`);
  }
}
