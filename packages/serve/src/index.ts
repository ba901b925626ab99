/**
 * @paligemma-ts/serve — PaliGemma as a service and over folders: a worker-thread model runner
 * (queue, batching, cancellation, restarts), an HTTP API (OpenAI-compatible chat completions, a
 * native generate / score / attention API, the playground page), batch runs over image folders, and
 * Hugging Face Hub downloads into the local cache.
 *
 *   model_runner.ts   ModelRunner: the main thread's queue in front of model_worker.ts
 *   image_decoder.ts  ImageDecoder: uploads decoded off the HTTP thread (image_worker.ts)
 *   protocol.ts       the messages between the threads
 *   segment_answer.ts an answer's segmentations with COCO RLE masks (run in the model worker)
 *   errors.ts         typed errors and their HTTP statuses
 */
export { ModelRunner, type RunnerOptions, type RunnerStats, type TokenUpdate } from "./model_runner.ts";
export { ImageDecoder, type DecodedImage } from "./image_decoder.ts";
export { NotFoundError, QueueFullError, RemoteError, RequestCancelledError, RequestError, WorkerCrashedError, errorBody, httpStatus, toWire } from "./errors.ts";
export type { AttentionOutput, AttentionQuery, GenerateJob, GenerateOptions, GenerationOutput, GenerationTimings, LoadSpec, ModelInfo, ScoreOutput } from "./protocol.ts";
export { buildServer, startServer, type ServerOptions, type ServeContext } from "./server.ts";
export { promptAndImage } from "./chat_completions.ts";
export { imageBytes, FileAccessError } from "./image_input.ts";
export { downloadSnapshot, hubToken, HubDownloadError, type DownloadOptions, type DownloadProgress, type DownloadResult } from "./hub_download.ts";
export { segmentAnswer, type SegmentationJson } from "./segment_answer.ts";
export { runBatch, completedPaths, type BatchProgress, type BatchRun } from "./batch.ts";
export { listImages, expandGlob, IMAGE_EXTENSIONS } from "./image_list.ts";
