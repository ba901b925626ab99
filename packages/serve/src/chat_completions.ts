/**
 * chat_completions.ts — `POST /v1/chat/completions`, the OpenAI chat API as client libraries send it.
 *
 * Teaches: what "OpenAI-compatible" has to mean for an image model that is not a chat model.
 *   request   messages[] with content parts {type: "text"} and {type: "image_url", image_url: {url}}
 *             (data URLs; file:// only under --allow-files); max_tokens / max_completion_tokens,
 *             temperature, top_p, seed (and top_k, an extension); stream, stream_options.include_usage
 *   mapping   PaliGemma answers one prompt about one image: the prompt is the LAST user message's
 *             text parts joined by spaces ("caption en", "detect cat", "answer en what is this?"),
 *             the image the last image_url of the user messages; system and earlier turns are not
 *             seen by the model. Sampling follows the library: no temperature / top_p / top_k given
 *             (or temperature 0) is greedy; top_p alone samples at temperature 1.
 *   response  {id, object: "chat.completion", created, model, choices: [{index: 0, message:
 *             {role: "assistant", content}, finish_reason: "stop" | "length"}], usage}
 *   stream    `chat.completion.chunk` events: a first delta with the role, one delta per token text,
 *             a last one with finish_reason, then (include_usage) a usage chunk, then `data: [DONE]`
 * <loc>/<seg> tokens stay in the text, as the model wrote them (the native API parses them).
 *
 * Reference: https://platform.openai.com/docs/api-reference/chat/create ; .../chat-streaming
 * Leaves out: n > 1, tools, logprobs, response_format, stop sequences.
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { RequestError, errorBody } from "./errors.ts";
import type { GenerationOutput } from "./protocol.ts";
import { type ChatBody, type ChatPart, CHAT_SCHEMA } from "./schemas.ts";
import type { ServeContext } from "./server.ts";
import { abortOnClose, openSse } from "./sse.ts";

/** The prompt (last user turn's text) and the image (last user image) of a conversation. */
export function promptAndImage(messages: ChatBody["messages"]): { prompt: string; image: string; param: string } {
  let image: { url: string; param: string } | null = null;
  let last = -1;
  messages.forEach((m, i) => {
    if (m.role !== "user") return;
    last = i;
    const parts: ChatPart[] = typeof m.content === "string" ? [{ type: "text", text: m.content }] : (m.content ?? []);
    const urls = parts.flatMap((p, j) => (p.type === "image_url" && p.image_url ? [{ url: typeof p.image_url === "string" ? p.image_url : p.image_url.url, param: `messages.${i}.content.${j}.image_url.url` }] : []));
    if (urls.length > 1) throw new RequestError(`messages.${i} has ${urls.length} images; this server answers about one image per request`, `messages.${i}.content`);
    if (urls.length === 1) image = urls[0];
  });
  if (last < 0) throw new RequestError("messages has no user message", "messages");
  const m = messages[last];
  const prompt = typeof m.content === "string" ? m.content : (m.content ?? []).filter((p) => p.type === "text").map((p) => p.text ?? "").join(" ");
  if (!image) throw new RequestError("no image: a user message needs an image_url content part (a data: URL)", `messages.${last}.content`);
  const found = image as { url: string; param: string };
  return { prompt: prompt.trim(), image: found.url, param: found.param };
}

const usage = (o: GenerationOutput) => ({ prompt_tokens: o.inputIds.length, completion_tokens: o.generatedIds.length, total_tokens: o.inputIds.length + o.generatedIds.length });

export function registerChatCompletions(app: FastifyInstance, ctx: ServeContext): void {
  app.post("/v1/chat/completions", { schema: { body: CHAT_SCHEMA } }, async (req, reply) => {
    const body = req.body as ChatBody;
    ctx.checkModel(body.model);
    const { prompt, image, param } = promptAndImage(body.messages);
    const arrived = ctx.runner.arrive(); // a batch forming now may wait for this request
    const { pixels } = await ctx.image(image, param).finally(() => setImmediate(arrived));
    const request = {
      prompt,
      pixels,
      maxNewTokens: body.max_completion_tokens ?? body.max_tokens ?? ctx.defaultMaxTokens,
      temperature: body.temperature ?? undefined,
      topP: body.top_p ?? undefined,
      topK: body.top_k ?? undefined,
      seed: body.seed ?? undefined,
    };
    const signal = abortOnClose(reply);
    const head = { id: `chatcmpl-${randomUUID()}`, created: Math.floor(Date.now() / 1000), model: ctx.modelName, system_fingerprint: null };
    if (!body.stream) {
      const out = await ctx.runner.generate(request, { signal });
      const choice = { index: 0, message: { role: "assistant", content: out.text, refusal: null }, logprobs: null, finish_reason: out.finishReason };
      return { ...head, object: "chat.completion", choices: [choice], usage: usage(out) };
    }
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({ ...head, object: "chat.completion.chunk", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
    let sse: ReturnType<typeof openSse> | null = null;
    const pending = ctx.runner.generate(request, { signal, onToken: (t) => t.text && sse?.send(chunk({ content: t.text })) }); // throws (4xx) before the stream starts
    sse = openSse(reply);
    sse.send(chunk({ role: "assistant", content: "" }));
    try {
      const out = await pending;
      sse.send(chunk({}, out.finishReason));
      if (body.stream_options?.include_usage) sse.send({ ...head, object: "chat.completion.chunk", choices: [], usage: usage(out) });
    } catch (e) {
      if (!signal.aborted) sse.send(errorBody(e));
    } finally {
      sse.end();
    }
  });
}
