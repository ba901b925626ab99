/**
 * server.ts — the HTTP server: fastify, the routes, the error handler, the playground's files.
 *
 * Teaches the shape of a small, safe model server:
 *   GET  /                      the playground page (playground/)
 *   GET  /health                200 {"status": "ok", queue...} when the model is ready, else 503
 *   GET  /v1/models             the one served model, OpenAI's list format
 *   POST /v1/chat/completions   OpenAI-compatible (chat_completions.ts)
 *   POST /v1/generate | /v1/score | /v1/attention   the native API (native_api.ts)
 * Why fastify: it is maintained by the OpenJS Foundation, validates bodies against JSON Schemas
 * before a handler runs (Ajv), enforces a body limit (413), answers malformed JSON with 400, and lets
 * a route take the raw response over for server-sent events; its `inject` and a real `listen` test
 * the same code.
 * Safety: the server binds 127.0.0.1 unless told otherwise; bodies over `bodyLimit` (default 20 MiB)
 * are refused before they are parsed; decoded images over `maxPixels` are refused from their header;
 * every error is JSON with a status from errors.ts, and a handler's exception never takes the
 * process down (fastify catches it; the model lives in another thread anyway).
 *
 * Reference: https://fastify.dev/docs/latest/ (Validation-and-Serialization, Errors, Reply.hijack).
 * Leaves out: TLS, authentication (loopback by default), CORS, rate limiting beyond the queue.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import { PaliGemmaError } from "@paligemma-ts/tensor";
import { registerChatCompletions } from "./chat_completions.ts";
import { NotFoundError, errorBody, httpStatus } from "./errors.ts";
import { ImageDecoder, type DecodedImage } from "./image_decoder.ts";
import { imageBytes } from "./image_input.ts";
import type { ModelRunner } from "./model_runner.ts";
import { registerNativeApi } from "./native_api.ts";

export interface ServerOptions {
  runner: ModelRunner;
  /** Folder that file:// image URLs may read from (default: none allowed). */
  allowFiles?: string;
  /** Largest request body in bytes (default 20 MiB). */
  bodyLimit?: number;
  /** Largest decoded image, width x height (default 25 megapixels). */
  maxPixels?: number;
  /** Default max_tokens when a request gives none (default 64). */
  defaultMaxTokens?: number;
  /** fastify's logger (default off). */
  logger?: boolean;
}

/** What the routes share. */
export interface ServeContext {
  runner: ModelRunner;
  /** The model's name in API answers (the --model argument). */
  modelName: string;
  defaultMaxTokens: number;
  /** Throw NotFoundError unless `name` (if given) names the served model. */
  checkModel(name: string | undefined | null): void;
  /** Decode the image a request refers to (field `param`), resized for the model. */
  image(ref: string, param: string): Promise<DecodedImage>;
}

const PLAYGROUND: Record<string, string> = { "index.html": "text/html", "app.js": "text/javascript", "style.css": "text/css" };

function playgroundFile(name: string): string {
  return readFileSync(new URL(`./playground/${name}`, import.meta.url), "utf8");
}

/** Build the fastify app (not listening yet); closing it closes the image worker, not the runner. */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? 20 * 1024 * 1024;
  const images = new ImageDecoder(options.maxPixels);
  const { runner } = options;
  const modelName = runner.info.model.replace(/\/+$/, "");
  const aliases = new Set([modelName, basename(modelName), "paligemma"]);
  const ctx: ServeContext = {
    runner,
    modelName,
    defaultMaxTokens: options.defaultMaxTokens ?? 64,
    checkModel(name) {
      if (name && !aliases.has(name)) throw new NotFoundError(`model '${name}' is not served here; this server serves '${modelName}' (GET /v1/models)`);
    },
    async image(ref, param) {
      const { bytes, name } = await imageBytes(ref, param, { allowFiles: options.allowFiles, maxBytes: bodyLimit });
      return images.decode(bytes, runner.info.imageSize, name);
    },
  };

  const app = Fastify({ logger: options.logger ?? false, bodyLimit, ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } } });
  app.addHook("onClose", async () => images.close());
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.validation) {
      const v = err.validation[0];
      const missing = (v?.params as { missingProperty?: string; additionalProperty?: string } | undefined) ?? {};
      const param = [v?.instancePath?.replace(/^\//, "").replace(/\//g, "."), missing.missingProperty ?? missing.additionalProperty].filter(Boolean).join(".") || null;
      const message = missing.additionalProperty ? `unknown field '${param}'` : `${err.validationContext ?? "body"}${v?.instancePath ?? ""} ${v?.message ?? err.message}`;
      return reply.status(400).send({ error: { message, type: "invalid_request_error", param, code: "E_REQUEST" } });
    }
    if (!(err instanceof PaliGemmaError) && err.statusCode && err.statusCode < 500) {
      const message = err.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? `request body is larger than the ${bodyLimit}-byte limit` : err.message;
      return reply.status(err.statusCode).send({ error: { message, type: "invalid_request_error", param: null, code: err.code ?? "E_REQUEST" } });
    }
    const status = httpStatus(err);
    if (status >= 500) app.log.error(err);
    return reply.status(status === 499 ? 400 : status).send(errorBody(err));
  });
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: { message: `no route ${req.method} ${req.url}`, type: "not_found_error", param: null, code: "E_NOT_FOUND" } }));

  app.get("/", (_req, reply) => reply.type("text/html; charset=utf-8").send(playgroundFile("index.html")));
  app.get<{ Params: { file: string } }>("/playground/:file", (req, reply) => {
    const type = PLAYGROUND[req.params.file];
    if (!type) throw new NotFoundError(`no playground file '${req.params.file}'`);
    return reply.type(`${type}; charset=utf-8`).send(playgroundFile(req.params.file));
  });
  app.get("/health", (_req, reply) => {
    const queue = runner.stats;
    const status = queue.state === "ready" ? "ok" : queue.state;
    return reply.status(status === "ok" ? 200 : 503).send({ status, model: modelName, backend: runner.info.backend, dtype: runner.info.dtype, queue });
  });
  app.get("/v1/models", () => ({ object: "list", data: [{ id: modelName, object: "model", created: 0, owned_by: "paligemma-ts", info: runner.info }] }));
  registerChatCompletions(app, ctx);
  registerNativeApi(app, ctx);
  return app;
}

/** Build and listen; resolves to the app and its base URL (host defaults to 127.0.0.1, port 8080; 0 picks one). */
export async function startServer(options: ServerOptions & { host?: string; port?: number }): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildServer(options);
  const host = options.host ?? "127.0.0.1";
  await app.listen({ host, port: options.port ?? 8080 });
  const addr = app.server.address();
  const port = typeof addr === "object" && addr ? addr.port : options.port;
  return { app, url: `http://${host.includes(":") ? `[${host}]` : host}:${port}` };
}
