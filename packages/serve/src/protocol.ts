/**
 * protocol.ts — the messages between the HTTP (main) thread and the model worker thread.
 *
 * Teaches: a worker thread shares no objects with its parent, only messages (structured clones;
 * ArrayBuffers can be transferred, not copied). So the boundary is plain data:
 *
 *   main -> worker   generate (a batch of jobs, pixels already decoded), score, attention, cancel
 *   worker -> main   ready | loadError | progress, started, token (one per generated token, as it
 *                    is sampled), done | failed (per job), scored, attention
 * A job that gives its image's original size gets its answer's segmentations back with `done`,
 * masks decoded in the worker (the mask decoder is a model too) and sent as RLE, not H x W pixels.
 *
 * Every job carries the id the main thread gave it, so events of a batch find their requests.
 * Errors cross as `WireError` (name, code, message) and become typed errors again on the main side
 * (errors.ts), so the HTTP layer maps them to statuses the same way wherever they were thrown.
 *
 * Reference: Node.js worker_threads (https://nodejs.org/api/worker_threads.html), structured clone.
 * Leaves out: versioning (both ends ship together).
 */
import type { ImageSize } from "@paligemma-ts/processor";
import type { SegmentationJson } from "./segment_answer.ts";

/** What to load, and how (the worker opens and loads it itself). */
export interface LoadSpec {
  model: string;
  revision?: string;
  backend?: "onnx" | "reference";
  device?: "cpu" | "cuda";
  dtype?: "f32" | "int8" | "int8-lowmem" | "int4";
  /** The VQ-VAE mask decoder file (vae-oid.npz or a .safetensors copy), loaded once with the model (same backend and device); none: masks are null. */
  maskDecoder?: string;
  /** Finished generations whose attention can still be drawn (oldest forgotten first). Default 8. */
  attentionStore?: number;
  /** Test seam: a module whose default export wraps the loaded model (see model_worker.ts). */
  modelHook?: string;
  /** Passed to the hook. */
  hookData?: unknown;
}

/** What the worker reports about the loaded model. */
export interface ModelInfo {
  /** The model as given (an id or a folder). */
  model: string;
  dir: string;
  modelType: string;
  imageSize: number;
  numImageTokens: number;
  numLayers: number;
  maxPositions: number;
  backend: string;
  dtype: string;
  /** The mask decoder file the worker loaded, or null (segmentations then carry mask: null). */
  maskDecoder: string | null;
  loadMs: number;
}

/** Sampling and length options of one generation. */
export interface GenerateOptions {
  maxNewTokens: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  ignoreEos?: boolean;
  /** Keep what the attention probe needs (native endpoint, playground). */
  attention?: boolean;
}

export interface GenerateJob extends GenerateOptions {
  jobId: number;
  prompt: string;
  /** pixel_values of one image, [3, S, S] flattened. */
  pixels: Float32Array;
  /** The image's original size: when given, the output has the answer's segmentations in its pixels (with masks if the worker has a decoder). */
  imageSize?: ImageSize;
}

export interface WireError {
  name: string;
  code: string;
  message: string;
}

export interface GenerationTimings {
  /** Waiting in the main thread's queue. */
  queueMs: number;
  /** From the batch's start to the prefill: SigLIP, projector, embedding and merge. */
  visionMs: number;
  prefillMs: number;
  /** After the first token: decodeMs / (tokens - 1). */
  decodeMs: number;
  decodeMsPerToken: number;
  totalMs: number;
}

export interface GenerationOutput {
  inputIds: number[];
  generatedIds: number[];
  /** Decoded answer: special tokens dropped, <loc>/<seg> kept. */
  text: string;
  finishReason: "stop" | "length";
  /** Rows run together in this job's batch (1 = alone). */
  batchSize: number;
  timings: GenerationTimings;
  /** Set when the job asked for attention: the key to ask for maps later. */
  generationId?: string;
  /** The job gave `imageSize`: the answer's segmentations over it (segment_answer.ts). */
  segmentations?: SegmentationJson[];
}

export interface ScoreJob {
  jobId: number;
  pixels: Float32Array;
  prefix: string;
  suffix: string;
}

export interface ScoreOutput {
  inputIds: number[];
  suffixIds: number[];
  /** Negative log-likelihood of each suffix token (<eos> last), nats. */
  tokenNll: number[];
  meanNll: number;
  timings: { queueMs: number; scoreMs: number };
}

export interface AttentionQuery {
  generationId: string;
  token: number;
  /** Default: the last layer. */
  layer?: number;
}

export interface AttentionOutput {
  token: number;
  layer: number;
  side: number;
  values: number[];
  imageMass: number;
  max: number;
  argmax: [number, number];
}

export type ToWorker =
  | { type: "generate"; jobs: GenerateJob[] }
  | { type: "score"; job: ScoreJob }
  | { type: "attention"; requestId: number; query: AttentionQuery }
  | { type: "cancel"; jobId: number };

export type FromWorker =
  | { type: "ready"; info: ModelInfo }
  | { type: "loadError"; error: WireError }
  | { type: "progress"; loaded: number; total: number; name: string }
  | { type: "started"; jobIds: number[] }
  | { type: "token"; jobId: number; index: number; tokenId: number; text: string }
  | { type: "done"; jobId: number; output: Omit<GenerationOutput, "timings"> & { timings: Omit<GenerationTimings, "queueMs"> } }
  | { type: "failed"; jobId: number; error: WireError }
  | { type: "scored"; jobId: number; output: Omit<ScoreOutput, "timings"> & { scoreMs: number } }
  | { type: "attention"; requestId: number; output?: AttentionOutput; error?: WireError }
  | { type: "idle" };
