/**
 * model_worker.ts — the model's own thread: it loads one PaliGemma, owns its ONNX sessions and KV
 * caches, and runs the batches the main thread sends, one at a time.
 *
 * Teaches: `session.run` blocks the thread it runs on (DESIGN.md section 4), so the model lives in a
 * worker thread and the HTTP loop never waits on it. Inside the worker:
 *   - one generation (a batch of jobs) runs at a time; each makes its own KV cache, so two requests
 *     never share one (the batch's rows are padded and masked: each row computes what it would alone);
 *   - tokens are posted as they are sampled (postMessage does not wait for the main thread);
 *   - before every decoder step the worker yields to its event loop once (ServedDecoder), so a
 *     `cancel` or an `attention` message is handled between steps, not after the whole answer;
 *   - a job stops at its own maxNewTokens or eos; when every row of a batch has stopped or was
 *     cancelled, the generation is abandoned at once (onToken throws STOP);
 *   - a job that asked for `attention` runs under an AttentionRecorder; the last few are kept
 *     (attentionStore) so the page can ask for any token's map afterwards;
 *   - the VQ-VAE mask decoder (LoadSpec.maskDecoder), when given, is loaded once next to the model;
 *     a job that gives its imageSize has its answer's segmentations decoded here after its last
 *     token (segment_answer.ts), and its `done` waits for them; the batch's `idle` waits for all.
 * A test may wrap the loaded runners (LoadSpec.modelHook) to observe or slow them; nothing else does.
 *
 * Reference: Node.js worker_threads; DESIGN.md section 10 (serving).
 * Leaves out: continuous batching (adding rows to a running generation), several models per worker.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { KVCache } from "@paligemma-ts/core";
import type { GemmaForwardInput } from "@paligemma-ts/gemma";
import { AttentionRecorder, type DecoderRunner, MaskDecoder, PaliGemma, type VisionRunner } from "@paligemma-ts/paligemma";
import { ArgumentError, Tensor, logSoftmax } from "@paligemma-ts/tensor";
import { NotFoundError, toWire } from "./errors.ts";
import type { FromWorker, GenerateJob, LoadSpec, ModelInfo, ScoreJob, ToWorker, AttentionQuery } from "./protocol.ts";
import { segmentAnswer } from "./segment_answer.ts";

const port = parentPort!;
const spec = (workerData as { spec: LoadSpec }).spec;
const post = (m: FromWorker) => port.postMessage(m);
const STOP = Symbol("every row stopped");
type DoneOutput = Extract<FromWorker, { type: "done" }>["output"];

/** The decoder as the worker runs it: one event-loop turn before each step, an optional recorder, step timing. */
class ServedDecoder implements DecoderRunner {
  recorder: AttentionRecorder | null = null;
  onStep: ((t0: number, t1: number) => void) | null = null;
  constructor(readonly inner: DecoderRunner) {}
  embed(ids: readonly (readonly number[])[]): Tensor {
    return this.inner.embed(ids);
  }
  createCache(batch: number, maxLength: number): KVCache {
    return (this.recorder ?? this.inner).createCache(batch, maxLength);
  }
  async forward(input: GemmaForwardInput): Promise<{ logits: Tensor | null }> {
    await new Promise((r) => setImmediate(r)); // let cancel / attention messages in
    const t0 = performance.now();
    const out = await (this.recorder ?? this.inner).forward(input);
    this.onStep?.(t0, performance.now());
    return out;
  }
  async dispose(): Promise<void> {}
}

const t0 = performance.now();
const opened = await PaliGemma.open(spec.model, { revision: spec.revision }).catch((e) => {
  post({ type: "loadError", error: toWire(e) });
  return null;
});
const model = opened
  ? await PaliGemma.load(opened, { backend: spec.backend, device: spec.device, dtype: spec.dtype, onProgress: (p) => post({ type: "progress", loaded: p.loaded, total: p.total, name: p.name ?? p.stage }) }).catch((e) => {
      post({ type: "loadError", error: toWire(e) });
      return null;
    })
  : null;
const masks =
  model && spec.maskDecoder
    ? await MaskDecoder.load(spec.maskDecoder, { backend: spec.backend, device: spec.device }).catch((e) => {
        post({ type: "loadError", error: toWire(e) });
        return undefined;
      })
    : null;

if (opened && model && masks !== undefined) {
  const cfg = model.config;
  let runners: { vision: VisionRunner; decoder: DecoderRunner } = { vision: model.vision, decoder: model.decoder };
  if (spec.modelHook) runners = (await import(spec.modelHook)).default(runners, spec.hookData);
  const decoder = new ServedDecoder(runners.decoder);
  const front = PaliGemma.fromRunners(cfg, model.tokenizer, runners.vision, decoder);
  const eos = new Set(cfg.eos_token_ids);
  const cancelled = new Set<number>();
  const store = new Map<string, { recorder: AttentionRecorder; row: number; firstImageSlot: number; tokens: number }>();
  const keep = Math.max(0, spec.attentionStore ?? 8);
  const weights = new Map<string, Tensor>();
  const weight = (name: string): Tensor => {
    let w = weights.get(name);
    if (!w) {
      w = opened.checkpoint.read(name).to("float32");
      if (weights.size >= 8) weights.delete(weights.keys().next().value!);
      weights.set(name, w);
    }
    return w;
  };
  const answer = (ids: number[]) => model.tokenizer.decode(ids.length > 0 && eos.has(ids[ids.length - 1]) ? ids.slice(0, -1) : ids, { skipSpecialTokens: true });

  const runBatch = async (jobs: GenerateJob[]) => {
    post({ type: "started", jobIds: jobs.map((j) => j.jobId) });
    const start = performance.now();
    const n = 3 * cfg.vision_config.image_size ** 2;
    const pixels = new Float32Array(jobs.length * n);
    jobs.forEach((j, b) => pixels.set(j.pixels, b * n));
    const inputIds = jobs.map((j) => front.promptIds(j.prompt).ids);
    const L = Math.max(...inputIds.map((r) => r.length));
    const recorder = jobs.some((j) => j.attention) ? new AttentionRecorder(runners.decoder, cfg.text_config) : null;
    decoder.recorder = recorder;
    let prefill: [number, number] | null = null;
    decoder.onStep = (a, b) => (prefill ??= [a, b]);
    const ids = jobs.map(() => [] as number[]);
    const done = jobs.map(() => false);
    const generationId = recorder ? crypto.randomUUID() : undefined;
    const decoding: Promise<void>[] = []; // rows whose masks are being decoded
    const finish = (b: number, reason: "stop" | "length") => {
      done[b] = true;
      const now = performance.now();
      const [p0, p1] = prefill ?? [now, now];
      const decodeMs = now - p1;
      const timings = { visionMs: p0 - start, prefillMs: p1 - p0, decodeMs, decodeMsPerToken: ids[b].length > 1 ? decodeMs / (ids[b].length - 1) : 0, totalMs: now - start };
      const job = jobs[b];
      const withAttention = job.attention && generationId ? `${generationId}:${b}` : undefined;
      const output = { inputIds: inputIds[b], generatedIds: ids[b], text: answer(ids[b]), finishReason: reason, batchSize: jobs.length, timings, generationId: withAttention };
      const send = (o: DoneOutput) => post({ type: "done", jobId: job.jobId, output: o });
      if (!job.imageSize) return send(output);
      // The other rows go on generating while this one's masks decode (an async session run).
      const segmentations = segmentAnswer(output.text, job.imageSize, masks);
      decoding.push(segmentations.then((s) => send({ ...output, segmentations: s }), (e) => post({ type: "failed", jobId: job.jobId, error: toWire(e) })));
    };
    const first = jobs[0];
    try {
      await front.generate({
        images: new Tensor("float32", [jobs.length, 3, cfg.vision_config.image_size, cfg.vision_config.image_size], pixels),
        prompts: jobs.map((j) => j.prompt),
        maxNewTokens: Math.max(...jobs.map((j) => j.maxNewTokens)),
        temperature: first.temperature,
        topP: first.topP,
        topK: first.topK,
        seed: first.seed,
        ignoreEos: first.ignoreEos,
        onToken: (e) => {
          jobs.forEach((j, b) => cancelled.has(j.jobId) && (done[b] = true));
          if (!done[e.row]) {
            const j = jobs[e.row];
            ids[e.row].push(e.tokenId);
            post({ type: "token", jobId: j.jobId, index: ids[e.row].length - 1, tokenId: e.tokenId, text: e.text });
            const stop = !j.ignoreEos && eos.has(e.tokenId);
            if (stop || ids[e.row].length >= j.maxNewTokens) finish(e.row, stop ? "stop" : "length");
          }
          if (done.every(Boolean)) throw STOP;
        },
      });
      jobs.forEach((_, b) => !done[b] && finish(b, "length")); // maxNewTokens 0
    } catch (e) {
      if (e !== STOP) jobs.forEach((j, b) => !done[b] && !cancelled.has(j.jobId) && post({ type: "failed", jobId: j.jobId, error: toWire(e) }));
    } finally {
      decoder.recorder = null;
      decoder.onStep = null;
      for (const j of jobs) cancelled.delete(j.jobId);
      await Promise.all(decoding); // every `done` before this batch's `idle`
    }
    if (recorder && generationId && keep > 0) {
      jobs.forEach((j, b) => {
        if (j.attention) store.set(`${generationId}:${b}`, { recorder, row: b, firstImageSlot: L - inputIds[b].length, tokens: ids[b].length });
      });
      while (store.size > keep) store.delete(store.keys().next().value!);
    }
  };

  const runScore = async (job: ScoreJob) => {
    const start = performance.now();
    const S = cfg.vision_config.image_size;
    const { logits, inputIds, suffixLength, meanNll } = await model.score(new Tensor("float32", [1, 3, S, S], job.pixels), job.prefix, job.suffix);
    const T = inputIds.length;
    const lp = logSoftmax(logits.slice(0, T - suffixLength - 1, T - 1), -1).toFloat32(); // rows predicting the suffix
    const V = logits.shape[1];
    const suffixIds = inputIds.slice(T - suffixLength);
    const tokenNll = suffixIds.map((id, i) => -lp[i * V + id]);
    post({ type: "scored", jobId: job.jobId, output: { inputIds, suffixIds, tokenNll, meanNll, scoreMs: performance.now() - start } });
  };

  const attention = (q: AttentionQuery) => {
    const entry = store.get(q.generationId);
    if (!entry) throw new NotFoundError(`no recorded generation '${q.generationId}' (only the last ${keep} generations with attention: true are kept)`);
    if (!Number.isInteger(q.token) || q.token < 0 || q.token >= entry.tokens) throw new ArgumentError(`attention: token must be an integer in [0, ${entry.tokens - 1}], got ${q.token}`);
    const request = { row: entry.row, token: q.token, layer: q.layer, firstImageSlot: entry.firstImageSlot, numImageTokens: cfg.num_image_tokens };
    const { token, layer, side, values, imageMass, max, argmax } = entry.recorder.imageAttention(weight, opened.layout.text, request);
    return { token, layer, side, values, imageMass, max, argmax };
  };

  port.on("message", (m: ToWorker) => {
    if (m.type === "cancel") cancelled.add(m.jobId);
    else if (m.type === "attention") {
      try {
        post({ type: "attention", requestId: m.requestId, output: attention(m.query) });
      } catch (e) {
        post({ type: "attention", requestId: m.requestId, error: toWire(e) });
      }
    } else if (m.type === "generate") void runBatch(m.jobs).finally(() => post({ type: "idle" }));
    else if (m.type === "score") {
      void runScore(m.job)
        .catch((e) => post({ type: "failed", jobId: m.job.jobId, error: toWire(e) }))
        .finally(() => post({ type: "idle" }));
    }
  });

  const info: ModelInfo = {
    model: spec.model,
    dir: opened.dir,
    modelType: cfg.text_config.model_type === "gemma2" ? "paligemma2" : "paligemma",
    imageSize: cfg.vision_config.image_size,
    numImageTokens: cfg.num_image_tokens,
    numLayers: cfg.text_config.num_hidden_layers,
    maxPositions: cfg.text_config.max_position_embeddings,
    backend: spec.backend ?? "onnx",
    dtype: spec.dtype ?? "f32",
    maskDecoder: masks ? spec.maskDecoder! : null,
    loadMs: performance.now() - t0,
  };
  post({ type: "ready", info });
}
