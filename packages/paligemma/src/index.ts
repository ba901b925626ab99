/**
 * @paligemma-ts/paligemma — PaliGemma 1 and 2: config, checked checkpoint loading, projector, merge,
 * prefix-LM batching, generate / stream / score, behind VisionBackend / DecoderBackend seams.
 */
export { paliGemmaConfig, loadPaliGemmaConfig, type PaliGemmaConfig } from "./config.ts";
export {
  checkTokenizerAgainstConfig,
  assertPromptSupported,
  promptTask,
  TokenizerMismatchError,
  LOC_PIECES,
  SEG_PIECES,
  type CheckedTokenizer,
  type TokenizerReport,
} from "./tokenizer_check.ts";
export {
  CheckpointError,
  checkCheckpoint,
  detectLayout,
  loadPaliGemmaWeights,
  paliGemmaWeightSpecs,
  CLASSIC_LAYOUT,
  MODERN_LAYOUT,
  type CheckpointProblem,
  type LoadProgress,
  type PaliGemmaWeights,
  type WeightLayout,
} from "./load.ts";
export { multiModalProjector } from "./projector.ts";
export { mergeImageFeatures } from "./merge.ts";
export { leftPadBatch, prefillMask, decodeStep, type PromptBatch } from "./inputs.ts";
export { BackendUnavailableError, type BackendName, type DeviceName, type DecoderBackend, type DecoderInput, type VisionBackend, type Trace } from "./backends.ts";
export { ReferenceVisionBackend, ReferenceDecoderBackend } from "./reference_backend.ts";
export { checkDecodeRequest, decodeLoop, emptyTimings, type DecodeLoopOptions, type GenerationTimings, type LoopEvent } from "./generate.ts";
export { TextStreamer } from "./text_streamer.ts";
export { PaliGemma, type LoadOptions, type GenerateRequest, type GenerateResult, type TokenEvent } from "./paligemma.ts";
export { OnnxVisionBackend, OnnxDecoderBackend, loadOnnxBackends, projectorGraph, type OnnxBackendOptions, type WeightDType } from "./onnx_backend.ts";
