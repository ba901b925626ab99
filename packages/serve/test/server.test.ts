/**
 * server.test.ts — the HTTP API with real requests on 127.0.0.1 (fetch, curl for SSE): the native
 * endpoints, every kind of bad request answered with a JSON error and the right status, file://
 * rules, the body limit, 429, a client disconnect cancelling its generation, and /health answered
 * while the model thread is blocked.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelRunner, startServer } from "../src/index.ts";
import { CHELSEA, ROCKET, dataUrl, startTiny, until } from "./helpers.ts";

const files = mkdtempSync(join(tmpdir(), "paligemma-serve-files-"));
let runner: ModelRunner;
let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  writeFileSync(join(files, "broken.png"), Buffer.from("\x89PNG\r\n\x1a\n but not really"));
  symlinkSync(ROCKET, join(files, "rocket-link.jpg")); // points outside the folder
  runner = await startTiny({ maxQueue: 1, maxBatch: 2 });
  ({ app, url } = await startServer({ runner, port: 0, allowFiles: files, bodyLimit: 2_000_000, defaultMaxTokens: 6 }));
});
afterAll(async () => {
  await app.close();
  await runner.close();
  rmSync(files, { recursive: true, force: true });
});

const post = async (path: string, body: unknown) => {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
};
const cat = dataUrl(CHELSEA);

describe("native API", () => {
  it("POST /v1/generate returns ids, text, parsed boxes in the photo's pixels, timings and usage", async () => {
    const { status, body } = await post("/v1/generate", { image: cat, prompt: "detect cat", max_new_tokens: 12, ignore_eos: true });
    expect(status).toBe(200);
    expect(body.generated_ids).toHaveLength(12);
    expect(body.tokens.map((t: { id: number }) => t.id)).toEqual(body.generated_ids);
    expect(body.tokens.map((t: { text: string }) => t.text).join("")).toBe(body.text);
    expect(body.image).toEqual({ width: 451, height: 300 });
    expect(body.detections.length).toBeGreaterThan(0); // the tiny random model writes <loc> runs
    for (const d of body.detections) expect(d.box.xmax).toBeLessThanOrEqual(451);
    expect(body.usage).toEqual({ prompt_tokens: body.input_ids.length, completion_tokens: 12, total_tokens: body.input_ids.length + 12 });
    expect(Object.keys(body.timings)).toEqual(["queue_ms", "vision_ms", "prefill_ms", "decode_ms", "decode_ms_per_token", "total_ms"]);
    expect(body.attention).toBeNull();
    expect(body.segmentations).toEqual([]);
  });

  it("streams token events, then the whole answer, then [DONE] (read with curl)", async () => {
    const body = JSON.stringify({ image: cat, prompt: "caption en", max_new_tokens: 5, ignore_eos: true, stream: true, attention: true });
    const file = join(files, "body.json");
    writeFileSync(file, body);
    const { stdout: out } = await promisify(execFile)("curl", ["-sN", "-H", "content-type: application/json", "--data-binary", `@${file}`, `${url}/v1/generate`], { encoding: "utf8" }); // async: the server runs in this thread
    const events = out.split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
    expect(events.at(-1)).toBe("[DONE]");
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e));
    expect(parsed.slice(0, 5).map((e) => e.type)).toEqual(["token", "token", "token", "token", "token"]);
    const done = parsed[5];
    expect(done.type).toBe("done");
    expect(parsed.slice(0, 5).map((e) => e.id)).toEqual(done.generated_ids);
    expect(done.attention).toMatchObject({ layers: 2, side: 4 });
    const heat = await post("/v1/attention", { generation_id: done.attention.generation_id, token: 2, layer: 1 });
    expect(heat.status).toBe(200);
    expect(heat.body.values).toHaveLength(16);
    expect(heat.body.side).toBe(4);
    expect((await post("/v1/attention", { generation_id: done.attention.generation_id, token: 2, layer: 7 })).status).toBe(400);
    expect((await post("/v1/attention", { generation_id: "gone", token: 0 })).status).toBe(404);
  });

  it("POST /v1/score gives per-token and mean NLL of the suffix (<eos> included)", async () => {
    const { status, body } = await post("/v1/score", { image: cat, prefix: "caption en", suffix: "a cat" });
    expect(status).toBe(200);
    expect(body.token_nll).toHaveLength(body.suffix_ids.length);
    expect(body.suffix_ids.at(-1)).toBe(1); // <eos>
    const mean = body.token_nll.reduce((a: number, b: number) => a + b, 0) / body.token_nll.length;
    expect(mean).toBeCloseTo(body.mean_nll, 4);
  });

  it("GET /health, /v1/models and the playground page", async () => {
    const health = (await (await fetch(`${url}/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: "ok", backend: "onnx", queue: { state: "ready", maxQueue: 1 } });
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { object: string; data: { info: { numImageTokens: number } }[] };
    expect(models.object).toBe("list");
    expect(models.data[0].info.numImageTokens).toBe(16);
    const page = await fetch(`${url}/`);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toContain("PaliGemma playground");
    expect((await fetch(`${url}/playground/app.js`)).status).toBe(200);
    expect((await fetch(`${url}/playground/../../package.json`)).status).toBe(404);
  });
});

describe("bad requests are JSON errors with the right status", () => {
  const cases: [string, string, unknown, number, RegExp][] = [
    ["no image", "/v1/chat/completions", { messages: [{ role: "user", content: "caption en" }] }, 400, /no image/],
    ["an image that does not decode", "/v1/generate", { image: `data:image/png;base64,${Buffer.from("not an image").toString("base64")}`, prompt: "caption en" }, 400, /cannot decode image/],
    ["a prompt too long for the model", "/v1/generate", { image: cat, prompt: "caption en", max_new_tokens: 9000 }, 400, /too long for the model/],
    ["a known field with the wrong type", "/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], max_tokens: "5" }, 400, /max_tokens must be integer/],
    ["a wrongly typed content part", "/v1/chat/completions", { messages: [{ role: "user", content: [{ type: "image_url", image_url: 7 }] }] }, 400, /messages\/0\/content/],
    ["an unknown field of the native API", "/v1/generate", { image: cat, prompt: "caption en", temprature: 1 }, 400, /unknown field 'temprature'/],
    ["a seed out of range", "/v1/generate", { image: cat, prompt: "caption en", seed: -1 }, 400, /seed must be >= 0/],
    ["invalid JSON", "/v1/generate", "{not json", 400, /JSON/],
    ["a remote URL", "/v1/generate", { image: "https://example.com/cat.png", prompt: "caption en" }, 400, /fetches no URLs/],
    ["an unknown model", "/v1/chat/completions", { model: "gpt-4o", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: cat } }] }] }, 404, /not served here/],
    ["a file:// outside --allow-files (through a symlink)", "/v1/generate", { image: pathToFileURL(join(files, "rocket-link.jpg")).href, prompt: "caption en" }, 403, /outside the --allow-files folder/],
    ["a file:// that is not an image", "/v1/generate", { image: pathToFileURL(join(files, "broken.png")).href, prompt: "caption en" }, 400, /cannot decode image .*broken\.png/],
    ["two images in one message", "/v1/chat/completions", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: cat } }, { type: "image_url", image_url: { url: cat } }] }] }, 400, /2 images/],
  ];
  it.each(cases)("%s", async (_what, path, body, status, message) => {
    const res = await post(path, body);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toMatch(message);
    expect(typeof res.body.error.type).toBe("string");
  });

  it("a body over the limit is refused with 413 before it is parsed", async () => {
    const res = await post("/v1/generate", { image: "A".repeat(2_100_000), prompt: "caption en" });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/2000000-byte limit/);
  });

  it("an unknown route is a JSON 404, and the server is still up after all of the above", async () => {
    expect((await post("/v2/nothing", {})).status).toBe(404);
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it("a file:// inside --allow-files is read", async () => {
    writeFileSync(join(files, "cat.png"), Buffer.from(cat.split(",")[1], "base64"));
    const res = await post("/v1/generate", { image: pathToFileURL(join(files, "cat.png")).href, prompt: "caption en", max_new_tokens: 2 });
    expect(res.status).toBe(200);
    expect(res.body.image).toEqual({ width: 451, height: 300 });
  });
});

describe("load and liveness", () => {
  it("answers 429 when the queue is full, and serves the queued requests after", async () => {
    const long = { image: cat, prompt: "caption en", max_new_tokens: 120, ignore_eos: true, temperature: 1 }; // sampled: one per batch
    const first = post("/v1/generate", long);
    await until(() => runner.stats.running === 1);
    const second = post("/v1/generate", long);
    await until(() => runner.stats.waiting === 1);
    const third = await post("/v1/generate", long);
    expect(third.status).toBe(429);
    expect(third.body.error.type).toBe("rate_limit_error");
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
  });

  it("a client that disconnects cancels its generation and frees the worker", async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${url}/v1/generate`, { method: "POST", headers: { "content-type": "application/json" }, signal: ctrl.signal, body: JSON.stringify({ image: cat, prompt: "caption en", max_new_tokens: 2000, ignore_eos: true, stream: true }) });
    const reader = res.body!.getReader();
    await reader.read(); // the first token event arrived: it is running
    ctrl.abort();
    await until(() => runner.stats.running === 0);
    const next = await post("/v1/generate", { image: cat, prompt: "caption en", max_new_tokens: 2 });
    expect(next.status).toBe(200);
  });
});

describe("the HTTP thread stays responsive while the model thread is blocked", () => {
  it("GET /health is answered while a generation holds the worker", async () => {
    const flag = new SharedArrayBuffer(8);
    const state = new Int32Array(flag);
    const blocked = await startTiny({ modelHook: new URL("./blocking_hook.ts", import.meta.url).href, hookData: { flag } });
    const server = await startServer({ runner: blocked, port: 0 });
    try {
      const pending = fetch(`${server.url}/v1/generate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ image: cat, prompt: "caption en", max_new_tokens: 3 }) });
      await until(() => Atomics.load(state, 1) === 1); // the worker thread is now stopped inside vision.encode
      const health = await fetch(`${server.url}/health`);
      expect(health.status).toBe(200);
      expect(((await health.json()) as { queue: { running: number } }).queue.running).toBe(1);
      expect(Atomics.load(state, 0)).toBe(0); // still blocked while health was answered
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
      expect((await pending).status).toBe(200);
    } finally {
      Atomics.store(state, 0, 1);
      Atomics.notify(state, 0);
      await server.app.close();
      await blocked.close();
    }
  });
});
