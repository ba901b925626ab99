/**
 * errors.ts — the serving layer's typed errors, how errors cross the worker boundary, and which
 * HTTP status each one becomes.
 *
 * Teaches: one table decides what a client sees. The libraries already throw typed errors
 * (`PaliGemmaError` with a stable `code`); a server adds its own situations (a full queue, a client
 * that went away, a crashed worker) and maps every code to a status once:
 *
 *   400  E_ARGUMENT, E_REQUEST, E_IMAGE_*, E_TOKENIZER_MISMATCH, E_FILE   the request cannot run as sent
 *   403  E_FILE_ACCESS        a file:// image outside --allow-files
 *   404  E_NOT_FOUND          an unknown model name or generation id
 *   413  E_IMAGE_TOO_LARGE    more pixels than the server decodes
 *   429  E_QUEUE_FULL         the queue limit is reached: retry later
 *   503  E_WORKER_CRASHED, E_LOADING   the model is not there right now
 *   500  anything else        a bug: the message is still JSON, the server keeps running
 *
 * Errors cross from the worker as plain data (protocol.ts WireError) and come back as
 * `RemoteError`, which keeps the original code, so the table above applies wherever they started.
 *
 * Reference: RFC 9110 section 15 (status codes); RFC 6585 (429); OpenAI's error body
 * `{ "error": { "message", "type", "param", "code" } }`.
 * Leaves out: Retry-After estimates.
 */
import { PaliGemmaError } from "@paligemma-ts/tensor";
import type { WireError } from "./protocol.ts";

/** A request body that does not fit the API (a field with a wrong type, no image, ...). `param` names the field. */
export class RequestError extends PaliGemmaError {
  constructor(
    message: string,
    readonly param: string | null = null,
    code = "E_REQUEST",
  ) {
    super(code, message);
  }
}

/** An unknown model name, or a generation id the worker no longer keeps. */
export class NotFoundError extends PaliGemmaError {
  constructor(message: string) {
    super("E_NOT_FOUND", message);
  }
}

/** The queue already holds `limit` waiting requests. */
export class QueueFullError extends PaliGemmaError {
  constructor(limit: number) {
    super("E_QUEUE_FULL", `the request queue is full (${limit} waiting); retry later`);
  }
}

/** The request was cancelled (its AbortSignal fired, or its client disconnected). */
export class RequestCancelledError extends PaliGemmaError {
  constructor(reason = "the request was cancelled") {
    super("E_CANCELLED", reason);
  }
}

/** The model worker died while this request ran (it is restarted for the next ones). */
export class WorkerCrashedError extends PaliGemmaError {
  constructor(detail: string) {
    super("E_WORKER_CRASHED", `the model worker stopped (${detail}); it is being restarted, retry the request`);
  }
}

/** An error thrown in a worker thread, rebuilt on the main thread with its name and code. */
export class RemoteError extends PaliGemmaError {
  constructor(wire: WireError) {
    super(wire.code, wire.message);
    this.name = wire.name;
  }
}

/** Any thrown value as plain data for postMessage. */
export function toWire(e: unknown): WireError {
  if (e instanceof PaliGemmaError) return { name: e.name, code: e.code, message: e.message };
  if (e instanceof Error) return { name: e.name, code: "E_INTERNAL", message: e.message || e.name };
  return { name: "Error", code: "E_INTERNAL", message: String(e) };
}

const STATUS: [RegExp, number][] = [
  [/^E_IMAGE_TOO_LARGE$/, 413],
  [/^(E_ARGUMENT|E_REQUEST|E_IMAGE_\w+|E_TOKENIZER_MISMATCH|E_SHAPE|E_FILE)$/, 400],
  [/^E_FILE_ACCESS$/, 403],
  [/^E_NOT_FOUND$/, 404],
  [/^E_QUEUE_FULL$/, 429],
  [/^E_CANCELLED$/, 499],
  [/^(E_WORKER_CRASHED|E_LOADING)$/, 503],
];

/** The HTTP status for an error (see the header's table). */
export function httpStatus(e: unknown): number {
  const code = e instanceof PaliGemmaError ? e.code : "";
  for (const [re, status] of STATUS) if (re.test(code)) return status;
  return 500;
}

/** OpenAI-style error body: `{ error: { message, type, param, code } }`. */
export function errorBody(e: unknown): { error: { message: string; type: string; param: string | null; code: string } } {
  const status = httpStatus(e);
  const wire = toWire(e);
  const type = status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : status === 404 ? "not_found_error" : "invalid_request_error";
  return { error: { message: wire.message, type, param: e instanceof RequestError ? e.param : null, code: wire.code } };
}
