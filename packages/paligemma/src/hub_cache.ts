/**
 * hub_cache.ts — find a Hugging Face model id (`google/paligemma-3b-pt-224`) in the local Hub cache,
 * offline, exactly where the Python `huggingface_hub` library (and `paligemma download`) put it.
 *
 * Teaches: the cache layout, which every Hugging Face tool shares, so a model downloaded once by any
 * of them is found by all:
 *
 *   <cache>/models--<org>--<name>/
 *     refs/<revision>          a text file: the commit sha a branch or tag ("main", "v1.0",
 *                              "refs/pr/1") pointed at when it was downloaded
 *     snapshots/<sha>/<file>   the files of that commit: symlinks into blobs/ (copies on Windows)
 *     blobs/<etag>             file contents, named by their git blob sha1 or LFS sha256
 *
 *   <cache> = $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE (the legacy name), else $HF_HOME/hub,
 *             else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub
 *   revision: "main" by default; a 40-hex commit sha names its snapshot directly; any other name is
 *             read from refs/
 *
 * A model argument is a local folder when such a path exists (a folder always wins, so
 * `fixtures/paligemma-tiny` is never looked up as an id); otherwise, if it has the `org/name` form,
 * it is looked up here. Nothing is downloaded: a missing model is a HubCacheError that says how to
 * download it.
 *
 * References: huggingface_hub `constants.py` (HF_HUB_CACHE, HF_HOME), `file_download.py`
 * (`repo_folder_name`, `_cache_commit_hash_for_specific_revision`, `try_to_load_from_cache`);
 * https://huggingface.co/docs/huggingface_hub/guides/manage-cache
 * Leaves out: datasets and spaces (`datasets--`, `spaces--`), `.no_exist/` markers, Windows copies'
 * quirks.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ArgumentError, PaliGemmaError } from "@paligemma-ts/tensor";

/** A model id that is not in the local Hub cache (code E_MODEL_DIR, like a missing folder). */
export class HubCacheError extends PaliGemmaError {
  constructor(message: string) {
    super("E_MODEL_DIR", message);
  }
}

/** The environment variables the cache location is read from (a subset of process.env). */
export type HubEnv = Partial<Record<"HF_HUB_CACHE" | "HUGGINGFACE_HUB_CACHE" | "HF_HOME" | "XDG_CACHE_HOME" | "HOME", string>>;

const COMMIT_SHA = /^[0-9a-f]{40}$/;
/** `org/name` as the Hub spells ids: letters, digits, `-`, `_`, `.`; no `..`, no leading `.` or `-`. */
const REPO_ID = /^[A-Za-z0-9_][\w.-]*\/[A-Za-z0-9_][\w.-]*$/;

/** True when `s` has the form of a Hub model id (`org/name`). */
export function isRepoId(s: string): boolean {
  return REPO_ID.test(s) && !s.includes("..") && s.length <= 200;
}

/** The Hub cache folder for `env` (see the header for the order). */
export function hubCacheDir(env: HubEnv = process.env): string {
  if (env.HF_HUB_CACHE) return resolve(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return resolve(env.HUGGINGFACE_HUB_CACHE);
  if (env.HF_HOME) return resolve(env.HF_HOME, "hub");
  const home = env.HOME || homedir();
  return resolve(env.XDG_CACHE_HOME || join(home, ".cache"), "huggingface", "hub");
}

/** `models--org--name`: huggingface_hub's `repo_folder_name` for a model. */
export function repoFolderName(id: string): string {
  return `models--${id.split("/").join("--")}`;
}

export interface HubLookup {
  /** The revision to resolve: a branch, tag, `refs/pr/N` or a commit sha (default "main"). */
  revision?: string;
  /** The cache folder (default: hubCacheDir()). */
  cacheDir?: string;
}

export interface ResolvedModel {
  /** The folder to read: the snapshot folder for an id, the path itself for a local folder. */
  dir: string;
  source: "path" | "hub";
  /** For a hub model: its id, the revision asked for and the commit it resolved to. */
  id?: string;
  revision?: string;
  sha?: string;
}

/** The snapshot folder of `id` at `revision` in the cache (throws HubCacheError naming what is missing). */
export function resolveHubSnapshot(id: string, lookup: HubLookup = {}): ResolvedModel {
  if (!isRepoId(id)) throw new ArgumentError(`model id '${id}' is not of the form org/name`);
  const revision = lookup.revision ?? "main";
  if (revision === "" || revision.split("/").some((part) => part === "" || part === "." || part === "..")) {
    throw new ArgumentError(`--revision '${revision}' is not a branch, tag or commit name`);
  }
  const cache = lookup.cacheDir ?? hubCacheDir();
  const repo = join(cache, repoFolderName(id));
  const hint = `download it with \`paligemma download ${id}${lookup.revision ? ` --revision ${revision}` : ""}\` (or huggingface-cli download), or set HF_HUB_CACHE / HF_HOME to the cache that holds it`;
  if (!isDir(repo)) throw new HubCacheError(`model '${id}' is neither a folder nor in the Hugging Face cache (${repo} does not exist); ${hint}`);
  let sha = revision;
  if (!COMMIT_SHA.test(revision)) {
    const ref = join(repo, "refs", revision);
    if (!isFile(ref)) throw new HubCacheError(`model '${id}' has no revision '${revision}' in the Hugging Face cache (${ref} does not exist); ${hint}`);
    sha = readFileSync(ref, "utf8").trim();
    if (!COMMIT_SHA.test(sha)) throw new HubCacheError(`${ref} should hold a 40-hex commit sha, got '${sha.slice(0, 60)}'`);
  }
  const dir = join(repo, "snapshots", sha);
  if (!isDir(dir)) throw new HubCacheError(`model '${id}' revision '${revision}' points at commit ${sha}, but ${dir} does not exist; ${hint}`);
  return { dir, source: "hub", id, revision, sha };
}

/**
 * Resolve a model argument: an existing path is used as it is (a `revision` is then an error: it
 * only applies to ids); otherwise an `org/name` id is looked up in the cache.
 */
export function resolveModelDir(model: string, lookup: HubLookup = {}): ResolvedModel {
  if (existsSync(model)) {
    if (lookup.revision !== undefined) throw new ArgumentError(`--revision '${lookup.revision}' applies to Hugging Face model ids; '${model}' is a local path`);
    return { dir: model, source: "path" };
  }
  if (isRepoId(model)) return resolveHubSnapshot(model, lookup);
  return { dir: model, source: "path" }; // the open stage reports the missing folder
}

function isDir(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isDirectory() === true;
}

function isFile(p: string): boolean {
  return statSync(p, { throwIfNoEntry: false })?.isFile() === true;
}
