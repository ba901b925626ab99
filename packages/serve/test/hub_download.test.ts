/**
 * hub_download.test.ts — `downloadSnapshot` against a local HTTP server on 127.0.0.1 that serves a
 * fixture repo through the Hub's API and file-resolve URLs: the cache comes out as huggingface_hub
 * lays it out (and opens by id, offline), a cut connection is resumed with a Range request, hashes
 * are checked, a gated repo needs the token (HF_TOKEN or the CLI's token file).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { PaliGemma, resolveHubSnapshot } from "@paligemma-ts/paligemma";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HubDownloadError, downloadSnapshot, hubToken } from "../src/index.ts";
import { TINY, repoPath } from "./helpers.ts";

const SHA = "1234567890abcdef1234567890abcdef12345678";
const TOKEN = "hf_test_token";
const files: Record<string, Buffer> = {
  "config.json": readFileSync(join(TINY, "config.json")),
  "tokenizer.model": readFileSync(join(TINY, "tokenizer.model")),
  "model.safetensors": readFileSync(join(TINY, "model.safetensors")),
  "docs/README.md": Buffer.from("# tiny\n"),
};
const LFS = new Set(["tokenizer.model", "model.safetensors"]);
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");
const gitSha1 = (b: Buffer) => createHash("sha1").update(`blob ${b.length}\0`).update(b).digest("hex");

/** What the fake Hub saw, and how it misbehaves on purpose. */
const hub = { requests: [] as { url: string; range?: string; auth?: string }[], cutAfter: 0, gated: false, corrupt: false };
let server: Server;
let endpoint: string;
const root = mkdtempSync(join(tmpdir(), "paligemma-hub-"));
afterAll(() => {
  server?.close();
  rmSync(root, { recursive: true, force: true });
});

function serve(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url!, "http://x");
  hub.requests.push({ url: url.pathname, range: req.headers.range, auth: req.headers.authorization });
  const json = (status: number, body: unknown): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  if (hub.gated && req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: "Access to model org/tiny is restricted. You must have access to it and be authenticated to access it." });
  let m = /^\/api\/models\/org\/tiny\/revision\/([^/]+)$/.exec(url.pathname);
  if (m) return ["main", "v1", SHA].includes(decodeURIComponent(m[1])) ? json(200, { _id: "x", id: "org/tiny", sha: SHA, private: false, lastModified: "2026-01-01T00:00:00.000Z" }) : json(404, { error: "Revision Not Found" });
  m = /^\/api\/models\/org\/tiny\/tree\/([^/]+)$/.exec(url.pathname);
  if (m) {
    return json(200, Object.entries(files).map(([path, b]) => ({ type: "file", path, size: LFS.has(path) ? 134 : b.length, oid: gitSha1(Buffer.from(`pointer ${path}`)), ...(LFS.has(path) ? { lfs: { oid: sha256(b), size: b.length, pointerSize: 134 } } : { oid: gitSha1(b) }) })));
  }
  m = /^\/org\/tiny\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
  if (m && files[m[2]]) {
    let body = files[m[2]];
    if (hub.corrupt && m[2] === "config.json") body = Buffer.from(body.toString().replace("paligemma", "paligemmX"));
    const etag = LFS.has(m[2]) ? sha256(body) : gitSha1(body);
    const headers = { etag: `"${etag}"`, "x-repo-commit": SHA, "accept-ranges": "bytes", "content-type": "application/octet-stream" };
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Number(range[2]) + 1 : body.length;
    const part = body.subarray(start, end);
    res.writeHead(range ? 206 : 200, { ...headers, "content-length": part.length, ...(range ? { "content-range": `bytes ${start}-${end - 1}/${body.length}` } : {}) });
    if (hub.cutAfter > 0 && m[2] === "model.safetensors" && part.length > hub.cutAfter) {
      res.write(part.subarray(0, hub.cutAfter), () => res.destroy()); // the connection drops mid-file
      hub.cutAfter = 0;
      return;
    }
    return void res.end(part);
  }
  res.writeHead(404, { "x-error-code": "EntryNotFound" }).end("not found");
  return;
}

beforeAll(async () => {
  server = createServer(serve);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address() as { port: number };
  endpoint = `http://127.0.0.1:${addr.port}`;
});

describe("downloadSnapshot", () => {
  it("lays out blobs, snapshots and refs as huggingface_hub does; the model then opens by id offline", async () => {
    const cache = join(root, "a");
    const seen: number[] = [];
    const res = await downloadSnapshot({ id: "org/tiny", cacheDir: cache, endpoint, env: {}, onProgress: (p) => seen.push(p.bytes) });
    const repo = join(cache, "models--org--tiny");
    expect(res).toMatchObject({ sha: SHA, files: 4, dir: join(repo, "snapshots", SHA) });
    expect(res.downloadedBytes).toBe(res.totalBytes);
    expect(readFileSync(join(repo, "refs", "main"), "utf8")).toBe(SHA);
    expect(readlinkSync(join(res.dir, "model.safetensors"))).toBe(join("..", "..", "blobs", sha256(files["model.safetensors"])));
    expect(readlinkSync(join(res.dir, "docs", "README.md"))).toBe(join("..", "..", "..", "blobs", gitSha1(files["docs/README.md"])));
    expect(readdirSync(join(repo, "blobs")).sort()).toEqual(Object.entries(files).map(([p, b]) => (LFS.has(p) ? sha256(b) : gitSha1(b))).sort());
    expect(seen.at(-1)).toBe(res.totalBytes);
    expect(resolveHubSnapshot("org/tiny", { cacheDir: cache }).dir).toBe(res.dir);
    const opened = await PaliGemma.open("org/tiny", { cacheDir: cache });
    expect(opened.config.text_config.num_hidden_layers).toBe(2);
    opened.close();
    const again = await downloadSnapshot({ id: "org/tiny", revision: "v1", cacheDir: cache, endpoint, env: {} });
    expect(again.downloadedBytes).toBe(0); // everything was there
    expect(readFileSync(join(repo, "refs", "v1"), "utf8")).toBe(SHA);
  });

  it("resumes a file cut off mid-download with a Range request from where it stopped", async () => {
    const cache = join(root, "b");
    hub.cutAfter = 3000;
    await expect(downloadSnapshot({ id: "org/tiny", cacheDir: cache, endpoint, env: {} })).rejects.toThrow();
    const blob = join(cache, "models--org--tiny", "blobs", sha256(files["model.safetensors"]));
    const partial = statSync(`${blob}.incomplete`).size;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(files["model.safetensors"].length);
    hub.requests.length = 0;
    const res = await downloadSnapshot({ id: "org/tiny", cacheDir: cache, endpoint, env: {} });
    const ranges = hub.requests.filter((r) => r.url.endsWith("/model.safetensors") && r.range && r.range !== "bytes=0-0").map((r) => r.range);
    expect(ranges).toEqual([`bytes=${partial}-${files["model.safetensors"].length - 1}`]);
    expect(sha256(readFileSync(join(res.dir, "model.safetensors")))).toBe(sha256(files["model.safetensors"]));
    expect(res.downloadedBytes).toBe(files["model.safetensors"].length - partial + files["docs/README.md"].length); // the rest, and the file after it
  });

  it("refuses content whose hash does not match", async () => {
    hub.corrupt = true;
    try {
      await expect(downloadSnapshot({ id: "org/tiny", cacheDir: join(root, "c"), endpoint, env: {} })).rejects.toThrow(/config.json: content hash .* does not match/);
    } finally {
      hub.corrupt = false;
    }
  });

  it("a gated repo needs the token: HF_TOKEN, or the token file the Hugging Face CLI writes", async () => {
    hub.gated = true;
    try {
      const err = await downloadSnapshot({ id: "org/tiny", cacheDir: join(root, "d"), endpoint, env: {} }).catch((e) => e);
      expect(err).toBeInstanceOf(HubDownloadError);
      expect(err.message).toMatch(/gated or private model.*HF_TOKEN/);
      await downloadSnapshot({ id: "org/tiny", cacheDir: join(root, "d"), endpoint, env: { HF_TOKEN: TOKEN } });
      const home = join(root, "hf-home");
      rmSync(home, { recursive: true, force: true });
      await import("node:fs").then((fs) => fs.mkdirSync(home, { recursive: true }));
      writeFileSync(join(home, "token"), `${TOKEN}\n`);
      expect(hubToken({ HF_HOME: home })).toBe(TOKEN);
      expect(hubToken({ HF_TOKEN: "direct", HF_HOME: home })).toBe("direct");
      hub.requests.length = 0;
      await downloadSnapshot({ id: "org/tiny", revision: "v1", cacheDir: join(root, "e"), endpoint, env: { HF_HOME: home } });
      expect(hub.requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
    } finally {
      hub.gated = false;
    }
  });

  it("paligemma download ID prints the snapshot folder (the CLI command, spawned)", async () => {
    const cache = join(root, "cli");
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [repoPath("packages/cli/bin/paligemma.mjs"), "download", "org/tiny", "--revision", "v1", "--endpoint", endpoint, "--cache-dir", cache], { env: { ...process.env, HF_TOKEN: "", PALIGEMMA_MALLOC_TUNED: "0" } });
    expect(stdout.trim()).toBe(join(cache, "models--org--tiny", "snapshots", SHA));
    expect(stderr).toMatch(/org\/tiny@v1 = 1234567890abcdef.*4 files/);
    expect(readFileSync(join(cache, "models--org--tiny", "refs", "v1"), "utf8")).toBe(SHA);
  });

  it("names an unknown revision", async () => {
    await expect(downloadSnapshot({ id: "org/tiny", revision: "nope", cacheDir: join(root, "f"), endpoint, env: {} })).rejects.toThrow(/org\/tiny at nope/);
  });
});
