/**
 * commands/download.ts — `paligemma download ID`: a model snapshot from the Hugging Face Hub into
 * the local cache (serve's downloadSnapshot: the huggingface_hub layout, resumable, hashes checked).
 * Afterwards `--model ID` works offline in every command. Prints the snapshot folder on stdout;
 * a byte progress bar with speed and ETA on stderr (a terminal only).
 *
 * Leaves out: choosing files (every file of the revision is fetched).
 */
import type { CliIO } from "../main.ts";
import { createLoadProgress } from "../progress_bar.ts";

export interface DownloadCommandOptions {
  revision: string;
  cacheDir?: string;
  endpoint?: string;
}

const MB = 1024 * 1024;

export async function runDownload(id: string, opts: DownloadCommandOptions, io: CliIO): Promise<void> {
  const { downloadSnapshot } = await import("@paligemma-ts/serve");
  const bar = createLoadProgress(io.stderr.isTTY === true && io.stderr === process.stderr, process.stderr, "Downloading");
  const t0 = performance.now();
  let start = -1;
  try {
    const res = await downloadSnapshot({
      id,
      revision: opts.revision,
      cacheDir: opts.cacheDir,
      endpoint: opts.endpoint,
      onProgress: (p) => {
        if (start < 0) start = p.bytes; // resumed bytes do not count towards the speed
        const s = (performance.now() - t0) / 1000;
        const speed = (p.bytes - start) / Math.max(s, 1e-3);
        const left = speed > 0 ? (p.totalBytes - p.bytes) / speed : Infinity;
        bar.update(p.bytes, Math.max(p.totalBytes, 1), `${(p.bytes / MB).toFixed(1)}/${(p.totalBytes / MB).toFixed(1)} MiB | ${(speed / MB).toFixed(1)} MiB/s | ETA ${Number.isFinite(left) ? `${left.toFixed(0)} s` : "?"} | ${p.files}/${p.totalFiles} files | ${p.file}`);
      },
    });
    bar.stop();
    io.stderr.write(`paligemma: ${id}@${opts.revision} = ${res.sha}: ${res.files} files, ${(res.totalBytes / MB).toFixed(1)} MiB (${(res.downloadedBytes / MB).toFixed(1)} MiB fetched now)\n`);
    io.stdout.write(`${res.dir}\n`);
  } finally {
    bar.stop();
  }
}
