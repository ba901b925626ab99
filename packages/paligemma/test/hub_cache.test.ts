/**
 * hub_cache.test.ts — model ids resolve through a fixture Hugging Face cache tree laid out as
 * huggingface_hub writes it (refs/ -> snapshots/<sha>/ -> symlinks into blobs/), offline.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArgumentError } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { HubCacheError, PaliGemma, hubCacheDir, isRepoId, repoFolderName, resolveHubSnapshot, resolveModelDir } from "../src/index.ts";
import { fixtureDir } from "./fixtures.ts";

const root = mkdtempSync(join(tmpdir(), "paligemma-hub-cache-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SHA_MAIN = "a".repeat(40);
const SHA_OLD = "0123456789abcdef0123456789abcdef01234567";
const FILES = ["config.json", "tokenizer.model", "model.safetensors"];

/** A cache with org/tiny at two commits: main -> SHA_MAIN, tag v0 and refs/pr/1 -> SHA_OLD. */
function writeCacheTree(cache: string): void {
  const repo = join(cache, repoFolderName("org/tiny"));
  mkdirSync(join(repo, "blobs"), { recursive: true });
  for (const [sha, refs] of [[SHA_MAIN, ["main"]], [SHA_OLD, ["v0", "refs/pr/1"]]] as const) {
    const snap = join(repo, "snapshots", sha);
    mkdirSync(snap, { recursive: true });
    for (const f of FILES) {
      const etag = `${sha.slice(0, 8)}-${f}`; // real etags are hashes; any unique name works
      copyFileSync(join(fixtureDir("paligemma-tiny"), f), join(repo, "blobs", etag));
      symlinkSync(join("..", "..", "blobs", etag), join(snap, f)); // relative, as huggingface_hub links
    }
    for (const r of refs) {
      mkdirSync(join(repo, "refs", r, ".."), { recursive: true });
      writeFileSync(join(repo, "refs", r), `${sha}\n`);
    }
  }
}

const cache = join(root, "hub");
writeCacheTree(cache);

describe("hubCacheDir", () => {
  it("follows huggingface_hub's order of environment variables", () => {
    expect(hubCacheDir({ HF_HUB_CACHE: "/a", HF_HOME: "/b", HOME: "/h" })).toBe("/a");
    expect(hubCacheDir({ HUGGINGFACE_HUB_CACHE: "/legacy", HF_HOME: "/b" })).toBe("/legacy");
    expect(hubCacheDir({ HF_HOME: "/b", XDG_CACHE_HOME: "/x" })).toBe("/b/hub");
    expect(hubCacheDir({ XDG_CACHE_HOME: "/x", HOME: "/h" })).toBe("/x/huggingface/hub");
    expect(hubCacheDir({ HOME: "/h" })).toBe("/h/.cache/huggingface/hub");
  });
  it("names repo folders models--org--name", () => {
    expect(repoFolderName("google/paligemma-3b-pt-224")).toBe("models--google--paligemma-3b-pt-224");
  });
  it("tells ids from other strings", () => {
    expect(isRepoId("google/paligemma-3b-pt-224")).toBe(true);
    for (const s of ["paligemma", "/abs/path", "a/b/c", "../x", "org/..", "./x", "org/", "a b/c"]) expect(isRepoId(s), s).toBe(false);
  });
});

describe("resolveHubSnapshot", () => {
  it("resolves main (the default), a tag, a PR ref and a commit sha to their snapshot folders", () => {
    const snap = (sha: string) => join(cache, "models--org--tiny", "snapshots", sha);
    expect(resolveHubSnapshot("org/tiny", { cacheDir: cache })).toMatchObject({ dir: snap(SHA_MAIN), sha: SHA_MAIN, revision: "main", source: "hub" });
    expect(resolveHubSnapshot("org/tiny", { cacheDir: cache, revision: "v0" }).dir).toBe(snap(SHA_OLD));
    expect(resolveHubSnapshot("org/tiny", { cacheDir: cache, revision: "refs/pr/1" }).dir).toBe(snap(SHA_OLD));
    expect(resolveHubSnapshot("org/tiny", { cacheDir: cache, revision: SHA_OLD }).dir).toBe(snap(SHA_OLD));
  });
  it("names what is missing and how to download it", () => {
    expect(() => resolveHubSnapshot("org/absent", { cacheDir: cache })).toThrow(/models--org--absent does not exist.*paligemma download org\/absent/);
    expect(() => resolveHubSnapshot("org/tiny", { cacheDir: cache, revision: "dev" })).toThrow(/no revision 'dev'.*refs\/dev/);
    expect(() => resolveHubSnapshot("org/tiny", { cacheDir: cache, revision: "b".repeat(40) })).toThrow(HubCacheError);
    expect(() => resolveHubSnapshot("org/tiny", { cacheDir: cache, revision: "../../etc" })).toThrow(ArgumentError);
  });
  it("refuses a ref file that does not hold a sha", () => {
    const bad = join(root, "bad");
    mkdirSync(join(bad, "models--org--x", "refs"), { recursive: true });
    writeFileSync(join(bad, "models--org--x", "refs", "main"), "not a sha");
    expect(() => resolveHubSnapshot("org/x", { cacheDir: bad })).toThrow(/40-hex commit sha/);
  });
});

describe("resolveModelDir and PaliGemma.open", () => {
  it("a local folder wins over an id, and refuses a revision", () => {
    const local = fixtureDir("paligemma-tiny");
    expect(resolveModelDir(local)).toEqual({ dir: local, source: "path" });
    expect(() => resolveModelDir(local, { revision: "main" })).toThrow(/applies to Hugging Face model ids/);
  });
  it("opens a model by id from the cache, at the revision asked for", async () => {
    const opened = await PaliGemma.open("org/tiny", { cacheDir: cache });
    expect(opened.dir).toBe(join(cache, "models--org--tiny", "snapshots", SHA_MAIN));
    expect(opened.config.text_config.num_hidden_layers).toBeGreaterThan(0);
    opened.close();
    const old = await PaliGemma.open("org/tiny", { cacheDir: cache, revision: "v0" });
    expect(old.dir.endsWith(SHA_OLD)).toBe(true);
    old.close();
  });
  it("a missing id is a HubCacheError with the E_MODEL_DIR code", async () => {
    const err = await PaliGemma.open("org/absent", { cacheDir: cache }).catch((e) => e);
    expect(err).toBeInstanceOf(HubCacheError);
    expect(err.code).toBe("E_MODEL_DIR");
  });
});
