/**
 * openai_client.test.ts — the official `openai` npm client against the running server on 127.0.0.1:
 * a plain and a streamed chat completion agree with the native API, usage is counted, errors arrive
 * as the client's typed APIError with the status.
 */
import type { FastifyInstance } from "fastify";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelRunner, startServer } from "../src/index.ts";
import { CHELSEA, dataUrl, startTiny } from "./helpers.ts";

let runner: ModelRunner;
let app: FastifyInstance;
let client: OpenAI;
let native: (prompt: string, n: number) => Promise<{ text: string; generated_ids: number[]; finish_reason: string }>;
beforeAll(async () => {
  runner = await startTiny();
  const server = await startServer({ runner, port: 0 });
  app = server.app;
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "not-needed", maxRetries: 0 });
  native = async (prompt, n) => ((await fetch(`${server.url}/v1/generate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ image: dataUrl(CHELSEA), prompt, max_new_tokens: n }) })).json()) as never;
});
afterAll(async () => {
  await app.close();
  await runner.close();
});

const messages = (prompt: string): OpenAI.Chat.ChatCompletionMessageParam[] => [
  { role: "system", content: "ignored: PaliGemma sees only the last user turn" },
  { role: "user", content: [{ type: "text", text: prompt }, { type: "image_url", image_url: { url: dataUrl(CHELSEA) } }] },
];

describe("the openai client", () => {
  it("lists the model", async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toHaveLength(1);
  });

  it("creates a chat completion (greedy by default) equal to the native answer", async () => {
    const res = await client.chat.completions.create({ model: "paligemma", messages: messages("caption en"), max_tokens: 7 });
    const want = await native("caption en", 7);
    expect(res.object).toBe("chat.completion");
    expect(res.choices[0].message.content).toBe(want.text);
    expect(res.choices[0].finish_reason).toBe(want.finish_reason);
    expect(res.usage!.completion_tokens).toBe(want.generated_ids.length);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  });

  it("streams chunks that add up to the same answer, then usage, then ends", async () => {
    const stream = await client.chat.completions.create({ model: "paligemma", messages: messages("answer en what is this?"), max_tokens: 9, stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe("chat.completion.chunk");
      if (chunk.choices.length > 0) {
        text += chunk.choices[0].delta.content ?? "";
        finish = chunk.choices[0].finish_reason ?? finish;
      }
      usage = chunk.usage ?? usage;
    }
    const want = await native("answer en what is this?", 9);
    expect(text).toBe(want.text);
    expect(finish).toBe(want.finish_reason);
    expect(usage!.completion_tokens).toBe(want.generated_ids.length);
    expect(chunks).toBeGreaterThan(2);
  });

  it("samples reproducibly with seed, temperature and top_p", async () => {
    const ask = () => client.chat.completions.create({ model: "paligemma", messages: messages("caption en"), max_tokens: 8, temperature: 1.2, top_p: 0.95, seed: 3 });
    const [a, b] = [await ask(), await ask()];
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
  });

  it("raises the client's typed errors with the server's status and message", async () => {
    const noImage = client.chat.completions.create({ model: "paligemma", messages: [{ role: "user", content: "caption en" }] });
    await expect(noImage).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await expect(noImage).rejects.toThrow(/no image/);
    const wrongModel = client.chat.completions.create({ model: "gpt-4o", messages: messages("caption en") });
    await expect(wrongModel).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
