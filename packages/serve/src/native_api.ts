/**
 * native_api.ts — the API that returns everything the model knows about an answer.
 *
 *   POST /v1/generate   {image, prompt, max_new_tokens?, temperature?, top_p?, top_k?, seed?,
 *                        ignore_eos?, stream?, attention?}
 *     -> {id, model, prompt, text, finish_reason, input_ids, generated_ids, tokens: [{id, text}],
 *         detections: [{label, box: {xmin, ymin, xmax, ymax}}],            pixels of the ORIGINAL image
 *         segmentations: [{label, box, codes: [16 VQ-VAE indices],
 *                          mask: {format: "coco-rle", size: [h, w], counts} | null}],   ORIGINAL image too
 *         image: {width, height}, usage, batch_size,
 *         timings: {queue_ms, vision_ms, prefill_ms, decode_ms, decode_ms_per_token, total_ms},
 *         attention: {generation_id, layers, side} | null}
 *     stream: `data: {"type": "token", "index", "id", "text"}` per token, then
 *             `data: {"type": "done", ...the object above}`, then `data: [DONE]`
 *   POST /v1/attention  {generation_id, token, layer?}   (the generation asked for attention: true)
 *     -> {token, layer, side, values: side*side (row-major, top-left first), image_mass, max, argmax}
 *        the token's query attention over the image patches, averaged over heads (attention_probe.ts)
 *   POST /v1/score      {image, prefix, suffix}
 *     -> {input_ids, suffix_ids, token_nll, mean_nll, timings}   suffix tokens end with <eos>
 * A segmentation's mask is the one `paligemma generate --json` gives for the same answer and image:
 * the 16 codes decoded by the VQ-VAE mask decoder (`serve --vae FILE`, loaded in the model's worker,
 * which decodes the masks after the answer's last token; segment_answer.ts), placed in the box,
 * as COCO uncompressed RLE over the whole original image. Without the decoder `mask` is null.
 *
 * Reference: processor's parseDetections / parseSegmentations (the /1024 pixel convention).
 * Leaves out: several images per prompt, beam search (the library's generate does not offer them yet).
 */
import { randomUUID } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { parseDetections } from "@paligemma-ts/processor";
import { errorBody } from "./errors.ts";
import type { GenerationOutput } from "./protocol.ts";
import { ATTENTION_SCHEMA, type GenerateBody, GENERATE_SCHEMA, SCORE_SCHEMA } from "./schemas.ts";
import type { ServeContext } from "./server.ts";
import { abortOnClose, openSse } from "./sse.ts";

const ms = (x: number) => Math.round(x * 1000) / 1000;

/** The native answer object (see the header) for a finished generation. */
export function nativeAnswer(ctx: ServeContext, id: string, prompt: string, out: GenerationOutput, size: { width: number; height: number }, tokens: { id: number; text: string }[]) {
  const t = out.timings;
  return {
    id,
    model: ctx.modelName,
    prompt,
    text: out.text,
    finish_reason: out.finishReason,
    input_ids: out.inputIds,
    generated_ids: out.generatedIds,
    tokens,
    detections: parseDetections(out.text, size),
    segmentations: out.segmentations ?? [], // decoded in the worker: the request gave imageSize
    image: size,
    usage: { prompt_tokens: out.inputIds.length, completion_tokens: out.generatedIds.length, total_tokens: out.inputIds.length + out.generatedIds.length },
    batch_size: out.batchSize,
    timings: { queue_ms: ms(t.queueMs), vision_ms: ms(t.visionMs), prefill_ms: ms(t.prefillMs), decode_ms: ms(t.decodeMs), decode_ms_per_token: ms(t.decodeMsPerToken), total_ms: ms(t.totalMs) },
    attention: out.generationId ? { generation_id: out.generationId, layers: ctx.runner.info.numLayers, side: Math.round(Math.sqrt(ctx.runner.info.numImageTokens)) } : null,
  };
}

export function registerNativeApi(app: FastifyInstance, ctx: ServeContext): void {
  app.post("/v1/generate", { schema: { body: GENERATE_SCHEMA } }, async (req, reply) => {
    const b = req.body as GenerateBody;
    const arrived = ctx.runner.arrive(); // a batch forming now may wait for this request
    const image = await ctx.image(b.image, "image").finally(() => setImmediate(arrived));
    const size = { width: image.width, height: image.height };
    const request = { prompt: b.prompt, pixels: image.pixels, imageSize: size, maxNewTokens: b.max_new_tokens ?? ctx.defaultMaxTokens, temperature: b.temperature, topP: b.top_p, topK: b.top_k, seed: b.seed, ignoreEos: b.ignore_eos, attention: b.attention };
    const id = `gen-${randomUUID()}`;
    const tokens: { id: number; text: string }[] = [];
    const signal = abortOnClose(reply);
    let sse: ReturnType<typeof openSse> | null = null;
    const pending = ctx.runner.generate(request, {
      signal,
      onToken: (t) => {
        tokens.push({ id: t.tokenId, text: t.text });
        sse?.send({ type: "token", index: t.index, id: t.tokenId, text: t.text });
      },
    });
    if (!b.stream) return nativeAnswer(ctx, id, b.prompt, await pending, size, tokens);
    sse = openSse(reply);
    try {
      sse.send({ type: "done", ...nativeAnswer(ctx, id, b.prompt, await pending, size, tokens) });
    } catch (e) {
      if (!signal.aborted) sse.send({ type: "error", ...errorBody(e) });
    } finally {
      sse.end();
    }
  });

  app.post("/v1/attention", { schema: { body: ATTENTION_SCHEMA } }, async (req) => {
    const b = req.body as { generation_id: string; token: number; layer?: number };
    const a = await ctx.runner.attention({ generationId: b.generation_id, token: b.token, layer: b.layer });
    return { token: a.token, layer: a.layer, side: a.side, values: a.values, image_mass: a.imageMass, max: a.max, argmax: a.argmax };
  });

  app.post("/v1/score", { schema: { body: SCORE_SCHEMA } }, async (req, reply) => {
    const b = req.body as { image: string; prefix: string; suffix: string };
    const image = await ctx.image(b.image, "image");
    const out = await ctx.runner.score({ pixels: image.pixels, prefix: b.prefix, suffix: b.suffix }, { signal: abortOnClose(reply) });
    return { model: ctx.modelName, input_ids: out.inputIds, suffix_ids: out.suffixIds, token_nll: out.tokenNll, mean_nll: out.meanNll, timings: { queue_ms: ms(out.timings.queueMs), score_ms: ms(out.timings.scoreMs) } };
  });
}
