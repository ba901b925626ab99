/**
 * sse.ts — server-sent events on a Node response, and cancelling work when the client goes away.
 *
 * Teaches the wire format of a streamed answer (what OpenAI's API and EventSource read):
 *
 *   HTTP/1.1 200 OK
 *   content-type: text/event-stream
 *
 *   data: {"choices":[{"delta":{"content":"a"}}]}\n\n      one event per token
 *   data: {"choices":[{"delta":{"content":" cat"}}]}\n\n
 *   data: [DONE]\n\n                                         the end
 *
 * Each event is `data: <one line>` and a blank line; JSON never contains a raw newline, so one
 * JSON.stringify is one event. The status line is sent before the answer exists, so everything
 * that can fail early (validation, the image, the queue) is checked before `openSse`; a failure
 * after it is sent as an `{"error": ...}` event (the `openai` client raises it as an APIError).
 * `abortOnClose` turns "the client closed the connection before we finished" into an AbortSignal,
 * which cancels the request in the model runner and frees its place.
 *
 * Reference: WHATWG HTML, "Server-sent events" (https://html.spec.whatwg.org/multipage/server-sent-events.html).
 * Leaves out: event ids and reconnection (Last-Event-ID), keep-alive comments.
 */
import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";

export interface SseStream {
  send(data: unknown): void;
  /** `data: [DONE]`, then end the response. */
  end(): void;
}

/** Take the response over from fastify and start an event stream. */
export function openSse(reply: FastifyReply): SseStream {
  reply.hijack();
  const res: ServerResponse = reply.raw;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive", "x-accel-buffering": "no" });
  res.flushHeaders();
  return {
    send: (data) => void (res.writableEnded || res.destroyed || res.write(`data: ${JSON.stringify(data)}\n\n`)), // a gone client: drop it
    end: () => {
      if (res.writableEnded) return;
      res.write("data: [DONE]\n\n");
      res.end();
    },
  };
}

/** An AbortSignal that fires when the client disconnects before the response is finished. */
export function abortOnClose(reply: FastifyReply): AbortSignal {
  const ctrl = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) ctrl.abort();
  });
  return ctrl.signal;
}
