/**
 * model_runner.test.ts — the worker-thread runner on the tiny fixture: batched rows equal running
 * alone, the queue limit, cancellation (waiting and running), a crashed worker restarted, and the
 * attention store.
 */
import type { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GenerationOutput, type ModelRunner, QueueFullError, RequestCancelledError, WorkerCrashedError } from "../src/index.ts";
import { CHELSEA, ROCKET, pixelsOf, startTiny, until } from "./helpers.ts";

let runner: ModelRunner;
let cat: Float32Array;
let rocket: Float32Array;
beforeAll(async () => {
  runner = await startTiny({ maxBatch: 4, maxQueue: 3 });
  [cat, rocket] = [await pixelsOf(runner, CHELSEA), await pixelsOf(runner, ROCKET)];
});
afterAll(() => runner.close());

const requests = () => [
  { prompt: "caption en", pixels: cat, maxNewTokens: 6 },
  { prompt: "answer en what is on the table?", pixels: rocket, maxNewTokens: 9 },
  { prompt: "detect cat", pixels: cat, maxNewTokens: 4 },
  { prompt: "ocr", pixels: rocket, maxNewTokens: 7, ignoreEos: false },
];

describe("ModelRunner", () => {
  it("batches waiting greedy requests; each row equals the request run alone", async () => {
    const alone: GenerationOutput[] = [];
    for (const r of requests()) alone.push(await runner.generate(r)); // one at a time: batch of 1
    expect(alone.every((o) => o.batchSize === 1)).toBe(true);
    const tokens: number[][] = requests().map(() => []);
    const together = await Promise.all(requests().map((r, i) => runner.generate(r, { onToken: (t) => tokens[i].push(t.tokenId) })));
    expect(together.map((o) => o.batchSize)).toEqual([4, 4, 4, 4]);
    together.forEach((o, i) => {
      expect(o.generatedIds).toEqual(alone[i].generatedIds);
      expect(o.text).toEqual(alone[i].text);
      expect(o.inputIds).toEqual(alone[i].inputIds);
      expect(tokens[i]).toEqual(o.generatedIds); // streamed tokens are the answer's
      expect(o.generatedIds.length).toBeLessThanOrEqual(requests()[i].maxNewTokens);
    });
  });

  it("a greedy request waits for one still arriving (its image decoding) and they share a batch", async () => {
    const arrived = runner.arrive(); // the HTTP layer's call before it decodes a second upload
    const first = runner.generate({ prompt: "caption en", pixels: cat, maxNewTokens: 3 });
    await new Promise((r) => setTimeout(r, 20)); // the second image is "decoding"
    const second = runner.generate({ prompt: "ocr", pixels: rocket, maxNewTokens: 3 });
    arrived();
    expect((await Promise.all([first, second])).map((o) => o.batchSize)).toEqual([2, 2]);
  });

  it("runs sampled requests alone, reproducibly by seed", async () => {
    const r = { prompt: "caption en", pixels: cat, maxNewTokens: 8, temperature: 1.5, seed: 7 };
    const [a, b, c] = await Promise.all([runner.generate(r), runner.generate(r), runner.generate({ ...r, seed: 8 })]);
    expect([a.batchSize, b.batchSize, c.batchSize]).toEqual([1, 1, 1]);
    expect(a.generatedIds).toEqual(b.generatedIds);
    expect(c.generatedIds).not.toEqual(a.generatedIds);
  });

  it("refuses a request when maxQueue requests are already waiting", async () => {
    const long = { prompt: "caption en", pixels: cat, maxNewTokens: 64, ignoreEos: true, temperature: 1 }; // sampled: never batched
    const running = runner.generate(long);
    await until(() => runner.stats.running === 1);
    const waiting = [runner.generate(long), runner.generate(long), runner.generate(long)];
    expect(runner.stats.waiting).toBe(3);
    expect(() => runner.generate(long)).toThrow(QueueFullError);
    await Promise.all([running, ...waiting]);
    expect(runner.stats).toMatchObject({ running: 0, waiting: 0 });
  });

  it("checks a request before queueing it (prompt too long, bad sampling options)", () => {
    expect(() => runner.generate({ prompt: "caption en", pixels: cat, maxNewTokens: 100_000 })).toThrow(/too long for the model/);
    expect(() => runner.generate({ prompt: "caption en", pixels: cat, maxNewTokens: 4, topP: 2 })).toThrow(/top/i);
  });

  it("cancels a waiting request and a running one; both free their place", async () => {
    const long = { prompt: "caption en", pixels: cat, maxNewTokens: 200, ignoreEos: true, temperature: 1 };
    const first = new AbortController();
    const second = new AbortController();
    let streamed = 0;
    const running = runner.generate(long, { signal: first.signal, onToken: () => streamed++ });
    const waiting = runner.generate(long, { signal: second.signal });
    await until(() => streamed > 2);
    second.abort();
    await expect(waiting).rejects.toBeInstanceOf(RequestCancelledError);
    expect(runner.stats.waiting).toBe(0);
    first.abort();
    await expect(running).rejects.toBeInstanceOf(RequestCancelledError);
    await until(() => runner.stats.running === 0);
    const after = await runner.generate({ prompt: "caption en", pixels: cat, maxNewTokens: 3 }); // the worker is free again
    expect(after.generatedIds.length).toBe(3);
    expect(streamed).toBeLessThan(200); // the cancelled generation stopped early
  });

  it("keeps attention for generations that ask, and draws any token of them", async () => {
    const out = await runner.generate({ prompt: "caption en", pixels: cat, maxNewTokens: 5, ignoreEos: true, attention: true });
    expect(out.generationId).toBeTruthy();
    const a = await runner.attention({ generationId: out.generationId!, token: 4, layer: 0 });
    expect(a).toMatchObject({ token: 4, layer: 0, side: 4 });
    expect(a.values).toHaveLength(16);
    expect(a.imageMass).toBeGreaterThan(0);
    expect(a.imageMass).toBeLessThanOrEqual(1 + 1e-6);
    await expect(runner.attention({ generationId: out.generationId!, token: 5 })).rejects.toThrow(/token must be/);
    await expect(runner.attention({ generationId: "nope", token: 0 })).rejects.toMatchObject({ code: "E_NOT_FOUND" });
  });

  it("fails running requests cleanly when the worker dies, and restarts it", async () => {
    // The worker dies mid-generation between two decoder passes (crash_hook.ts: killing it inside an
    // onnxruntime call would abort this whole process, not just the worker).
    const flag = new Int32Array(new SharedArrayBuffer(8));
    const crashing = await startTiny({ modelHook: new URL("./crash_hook.ts", import.meta.url).href, hookData: { flag: flag.buffer } });
    try {
      let streamed = 0;
      const running = crashing.generate({ prompt: "caption en", pixels: cat, maxNewTokens: 500, ignoreEos: true, temperature: 1 }, { onToken: () => streamed++ });
      await until(() => Atomics.load(flag, 1) === 1); // the generation is running: its first decode pass is under way
      await (crashing as unknown as { worker: Worker }).worker.terminate(); // as if it crashed
      await expect(running).rejects.toBeInstanceOf(WorkerCrashedError);
      expect(streamed).toBeLessThanOrEqual(1); // at most the token the prefill picked
      const next = await crashing.generate({ prompt: "caption en", pixels: cat, maxNewTokens: 2 }); // waits for the new worker
      expect(next.generatedIds).toHaveLength(2);
      expect(crashing.stats.restarts).toBe(1);
    } finally {
      await crashing.close();
    }
  });
});
