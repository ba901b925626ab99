/**
 * @paligemma-ts/paligemma — PaliGemma 1 and 2: config, the cheap open stage, checked checkpoints,
 * the quantization plan, projector, merge, prefix-LM batching, generate / stream / score, on the
 * reference or the ONNX kernels behind VisionRunner / DecoderRunner seams; the segmentation-mask
 * decoder (segmentation/).
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
export { CheckpointError, checkCheckpoint, detectLayout, paliGemmaWeightSpecs, CLASSIC_LAYOUT, MODERN_LAYOUT, type CheckpointProblem, type LoadProgress, type WeightLayout } from "./load.ts";
export { HubCacheError, hubCacheDir, isRepoId, repoFolderName, resolveHubSnapshot, resolveModelDir, type HubEnv, type HubLookup, type ResolvedModel } from "./hub_cache.ts";
export { OpenedPaliGemma, ModelDirError, checkPositions, promptIds } from "./open.ts";
export { quantizationPlan, checkWeightDType, WEIGHT_DTYPES, type WeightDType } from "./quantization_plan.ts";
export { modelKernels, type BackendName, type KernelOptions, type ModelKernels } from "./model_kernels.ts";
export { mergeImageFeatures, imagesPerRow } from "./merge.ts";
export { leftPadBatch, prefillMask, decodeStep, repeatBatch, type PromptBatch } from "./inputs.ts";
export { checkImages, encodeAndPrefill, type GenerationInputs, type PrefillRequest, type Prefilled } from "./prefill.ts";
export { beamSearch, checkBeamOptions, rowLogSumExp, type BeamSearchOptions, type BeamSearchRequest, type EarlyStopping, type SearchResult } from "./beam_search.ts";
export { bestOfN, type BestOfNRequest } from "./best_of_n.ts";
export { PaliGemmaVision, multiModalProjector, projectorBlock, type DecoderRunner, type VisionRunner } from "./runners.ts";
export { checkDecodeRequest, decodeLoop, emptyTimings, type DecodeLoopOptions, type DecodeLoopRequest, type GenerationTimings, type LoopEvent } from "./generate.ts";
export { TextStreamer } from "./text_streamer.ts";
export { attentionProbabilities, imageAttentionMap, windowedMask, type ImageAttentionMap, type ProbeInputs } from "./attention_probe.ts";
export { AttentionRecorder, type ProbeRequest, type RecordedStep, type TokenAttention } from "./attention_recorder.ts";
export { PaliGemma, type LoadOptions, type GenerateRequest, type GenerateResult, type PromptImages, type TokenEvent } from "./paligemma.ts";
export * from "./segmentation/index.ts";
