/**
 * hub_download.ts — `paligemma download ID`: fetch a model snapshot from the Hugging Face Hub into
 * the local cache, laid out exactly as the Python `huggingface_hub` does (so either tool finds the
 * other's downloads, and `--model ID` then resolves offline: paligemma's hub_cache.ts).
 *
 * Teaches: what a resumable, verifiable download of a model repository is.
 *   1. the revision ("main", a tag, a sha) -> its commit sha           modelInfo   GET /api/models/ID/revision/REV
 *   2. the commit's files, sizes and hashes                            listFiles   GET /api/models/ID/tree/SHA
 *   3. each file  -> blobs/<etag>   (etag: LFS sha256, or the git blob sha1)       GET /ID/resolve/SHA/PATH
 *                    streamed into blobs/<etag>.incomplete; a second run continues that file from
 *                    its length with an HTTP Range request; the content is hashed on the way and
 *                    must match the etag before it is renamed into place
 *                 -> snapshots/<sha>/<path>, a relative symlink to the blob
 *   4. refs/<revision> <- sha
 * The Hub client library (@huggingface/hub) speaks the Hub's API (endpoints, redirects, auth,
 * errors); `endpoint` points it at another Hub (HF_ENDPOINT, or a test server on 127.0.0.1).
 * The token comes from HF_TOKEN, else the file the Hugging Face CLI writes at login
 * (HF_TOKEN_PATH, else $HF_HOME/token, else ~/.cache/huggingface/token).
 *
 * Reference: huggingface_hub `snapshot_download`, `hf_hub_download` (cache layout, .incomplete files,
 * resume); @huggingface/hub (https://huggingface.co/docs/huggingface.js/hub/README).
 * Leaves out: allow/ignore patterns, parallel file downloads, Xet chunk-level dedup (Xet files are
 * fetched whole through the client like any other file).
 */
import { createHash, type Hash } from "node:crypto";
import { createReadStream, existsSync, lstatSync, mkdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, relative } from "node:path";
import { type ListFileEntry, downloadFile, listFiles, modelInfo } from "@huggingface/hub";
import { hubCacheDir, isRepoId, repoFolderName } from "@paligemma-ts/paligemma";
import { ArgumentError, PaliGemmaError } from "@paligemma-ts/tensor";

/** A download that cannot go on: the Hub refused (404, 401/403 for a gated model), or a file did not verify. */
export class HubDownloadError extends PaliGemmaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("E_HUB_DOWNLOAD", message, options);
  }
}

export interface DownloadProgress {
  file: string;
  /** Bytes of all files present so far (skipped, resumed and new), of `totalBytes`. */
  bytes: number;
  totalBytes: number;
  files: number;
  totalFiles: number;
}

export interface DownloadOptions {
  id: string;
  revision?: string;
  cacheDir?: string;
  /** The Hub's base URL (default $HF_ENDPOINT or https://huggingface.co). */
  endpoint?: string;
  /** Default: hubToken(). */
  token?: string;
  onProgress?: (p: DownloadProgress) => void;
  env?: NodeJS.ProcessEnv;
}

export interface DownloadResult {
  dir: string;
  sha: string;
  files: number;
  /** Bytes fetched in this run (0 when everything was cached). */
  downloadedBytes: number;
  totalBytes: number;
}

/** The access token: HF_TOKEN, else the Hugging Face CLI's token file, else none. */
export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const direct = env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN;
  if (direct?.trim()) return direct.trim();
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(env.HOME || homedir(), ".cache"), "huggingface");
  const file = env.HF_TOKEN_PATH ?? join(home, "token");
  if (!existsSync(file)) return undefined;
  return readFileSync(file, "utf8").trim() || undefined;
}

/** The name a file's blob gets: its LFS sha256, or its git blob sha1. */
function etagOf(e: ListFileEntry): { etag: string; algo: "sha256" | "git-sha1" } {
  if (e.lfs?.oid) return { etag: e.lfs.oid, algo: "sha256" };
  if (e.oid) return { etag: e.oid, algo: "git-sha1" };
  throw new HubDownloadError(`${e.path}: the Hub listed no hash for it`);
}

function hasher(algo: "sha256" | "git-sha1", size: number): Hash {
  const h = createHash(algo === "sha256" ? "sha256" : "sha1");
  if (algo === "git-sha1") h.update(`blob ${size}\0`); // git's object header
  return h;
}

function safePath(p: string): string {
  if (p === "" || isAbsolute(p) || p.split("/").some((s) => s === ".." || s === "." || s === "")) throw new HubDownloadError(`the Hub listed an unsafe file name '${p}'`);
  return p;
}

const hubError = (e: unknown, what: string) => {
  const status = (e as { statusCode?: number }).statusCode;
  const hint = status === 401 || status === 403 ? " (a gated or private model: accept its license on the Hub, then set HF_TOKEN or run `huggingface-cli login`)" : "";
  return new HubDownloadError(`${what}: ${(e as Error).message}${hint}`, { cause: e });
};

/** Download `id` at `revision` into the cache (see the header); resolves to the snapshot folder. */
export async function downloadSnapshot(o: DownloadOptions): Promise<DownloadResult> {
  const env = o.env ?? process.env;
  const revision = o.revision ?? "main";
  if (!isRepoId(o.id)) throw new ArgumentError(`download: '${o.id}' is not a model id of the form org/name`);
  if (revision.split("/").some((s) => s === "" || s === "." || s === "..")) throw new ArgumentError(`download: --revision '${revision}' is not a branch, tag or commit name`);
  const hubUrl = (o.endpoint ?? env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/+$/, "");
  const accessToken = o.token ?? hubToken(env);
  const cred = { hubUrl, ...(accessToken ? { accessToken } : {}) };
  const repo = { type: "model" as const, name: o.id };
  const info = await modelInfo({ name: o.id, revision, additionalFields: ["sha"], ...cred }).catch((e) => {
    throw hubError(e, `${o.id} at ${revision}`);
  });
  const sha = (info as { sha?: string }).sha;
  if (!sha || !/^[0-9a-f]{40}$/.test(sha)) throw new HubDownloadError(`${o.id} at ${revision}: the Hub returned no commit sha`);
  const files: ListFileEntry[] = [];
  try {
    for await (const e of listFiles({ repo, revision: sha, recursive: true, ...cred })) if (e.type === "file") files.push(e);
  } catch (e) {
    throw hubError(e, `listing ${o.id}@${sha}`);
  }
  const root = join(o.cacheDir ?? hubCacheDir(env), repoFolderName(o.id));
  const snapshot = join(root, "snapshots", sha);
  const totalBytes = files.reduce((a, f) => a + (f.lfs?.size ?? f.size), 0);
  const progress: DownloadProgress = { file: "", bytes: 0, totalBytes, files: 0, totalFiles: files.length };
  let downloadedBytes = 0;
  for (const f of files) {
    const path = safePath(f.path);
    const size = f.lfs?.size ?? f.size;
    const { etag, algo } = etagOf(f);
    const blob = join(root, "blobs", etag);
    const pointer = join(snapshot, path);
    progress.file = path;
    if (!existsSync(blob)) downloadedBytes += await fetchBlob({ repo, path, sha, size, etag, algo, blob, cred, progress, onProgress: o.onProgress });
    else progress.bytes += size;
    mkdirSync(dirname(pointer), { recursive: true });
    if (!lstatSync(pointer, { throwIfNoEntry: false })) symlinkSync(relative(dirname(pointer), blob), pointer);
    progress.files++;
    o.onProgress?.({ ...progress });
  }
  mkdirSync(snapshot, { recursive: true });
  if (revision !== sha) {
    const ref = join(root, "refs", revision);
    mkdirSync(dirname(ref), { recursive: true });
    writeFileSync(ref, sha);
  }
  return { dir: snapshot, sha, files: files.length, downloadedBytes, totalBytes };
}

interface BlobJob {
  repo: { type: "model"; name: string };
  path: string;
  sha: string;
  size: number;
  etag: string;
  algo: "sha256" | "git-sha1";
  blob: string;
  cred: { hubUrl: string; accessToken?: string };
  progress: DownloadProgress;
  onProgress?: (p: DownloadProgress) => void;
}

/** Stream one file into blob.incomplete (continuing what is there), verify its hash, rename. Returns bytes fetched. */
async function fetchBlob(j: BlobJob): Promise<number> {
  mkdirSync(dirname(j.blob), { recursive: true });
  const partial = `${j.blob}.incomplete`;
  let have = statSync(partial, { throwIfNoEntry: false })?.size ?? 0;
  if (have > j.size) have = 0; // not a prefix of this file: start over
  const hash = hasher(j.algo, j.size);
  if (have > 0) for await (const chunk of createReadStream(partial, { end: have - 1 })) hash.update(chunk as Buffer);
  j.progress.bytes += have;
  const remote = await downloadFile({ repo: j.repo, path: j.path, revision: j.sha, ...j.cred }).catch((e) => {
    throw hubError(e, `${j.path}`);
  });
  if (!remote) throw new HubDownloadError(`${j.path}: the Hub has no such file at ${j.sha}`);
  const fh = await open(partial, have > 0 ? "r+" : "w");
  let fetched = 0;
  try {
    await fh.truncate(have);
    if (have < j.size) {
      const reader = (have > 0 ? remote.slice(have) : remote).stream().getReader();
      let position = have;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        await fh.write(value, 0, value.length, position);
        position += value.length;
        fetched += value.length;
        hash.update(value);
        j.progress.bytes += value.length;
        j.onProgress?.({ ...j.progress });
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  const got = statSync(partial).size;
  if (got !== j.size) throw new HubDownloadError(`${j.path}: got ${got} of ${j.size} bytes; run the download again to continue it`);
  const digest = hash.digest("hex");
  if (digest !== j.etag) {
    renameSync(partial, `${partial}.corrupt`);
    throw new HubDownloadError(`${j.path}: content hash ${digest} does not match the Hub's ${j.etag} (kept as ${partial}.corrupt)`);
  }
  renameSync(partial, j.blob);
  return fetched;
}
