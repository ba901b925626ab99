/**
 * @paligemma-ts/train — training a tiny PaliGemma from scratch: the synthetic world it learns, the
 * model's shape and initial weights, its loss (the inference blocks chained), checkpoints.
 *
 *   world/world_config.ts     image size, patch, object sizes, grid, noise, font scale (+ why)
 *   world/random_choice.ts    randInt / pick / pickWeighted over a seeded generator
 *   world/palette.ts          six object colors, five dark background tints, jitter
 *   world/shapes.ts           circle, square, triangle, star as pixel masks
 *   world/backdrop.ts         background tint + per-pixel noise parameters
 *   world/shape_scene.ts      1..3 non-overlapping objects, left to right
 *   world/text_scene.ts       2-5 digits or a word in the 5x7 bitmap font (OCR)
 *   world/scene.ts            Scene = shapes | text; the canonical scene key
 *   world/render.ts           scene -> RGB bytes at the model's size
 *   world/tasks.ts            caption / detect / vqa / ocr prompts and answers (the grammar)
 *   world/sampler.ts          the task mix -> { image, prefix, suffix, task, scene }
 *   world/splits.ts           train / validation / test, disjoint by seed and by scene key
 *   world/world_tokenizer.ts  a word-level tokenizer.model laid out like Gemma's
 *   world/metrics.ts          exact match, detection recall at IoU 0.5, per-task accuracy
 *   world/batch.ts            examples -> pixel_values, ids, prefix / suffix lengths
 *   world/scene_files.ts      fresh test scenes as PNG files + scenes.json (prompts, answers)
 *   model/tiny_paligemma.ts   the tiny PaliGemma's config.json, initial weights, decay policy
 *   model/loc_embeddings.ts   the 1024 <loc> rows started as sinusoids of the bin (neighbours alike)
 *   model/paligemma_loss.ts   the prefix-LM objective against Ops (eager, graph, training graph)
 *   model/training_inputs.ts  a world batch -> the fixed-size tensors of a training step
 *   model/checkpoint_io.ts    a Hugging Face checkpoint folder, written atomically
 */
export { type WorldConfig, worldConfig, validateWorldConfig, numImageTokens } from "./world/world_config.ts";
export { randInt, pick, pickWeighted } from "./world/random_choice.ts";
export { COLOR_NAMES, COLORS, BACKGROUNDS, type ColorName, type Rgb, rgbDistance, jitterColor, clampByte } from "./world/palette.ts";
export { SHAPE_NAMES, SHAPE_PLURALS, type ShapeName, type ShapeMask, shapeMask, insideShape } from "./world/shapes.ts";
export { type Backdrop, sampleBackdrop } from "./world/backdrop.ts";
export { type SceneObject, type ShapeScene, SceneLayoutError, sampleShapeScene, centerX } from "./world/shape_scene.ts";
export { type TextScene, OCR_WORDS, sampleTextScene, longestText } from "./world/text_scene.ts";
export { type Scene, type SceneKind, sceneKey } from "./world/scene.ts";
export { renderScene } from "./world/render.ts";
export {
  TASK_NAMES,
  TASK_SCENE,
  type TaskName,
  type TaskExample,
  objectPhrase,
  captionTask,
  detectTask,
  vqaTask,
  ocrTask,
  makeTask,
  pixelToLoc,
  locToken,
  boxToLocs,
  labelMatches,
  detectionTargets,
  formatDetections,
} from "./world/tasks.ts";
export { type Example, type TaskWeights, DEFAULT_TASK_WEIGHTS, sampleExample, sampleScene, sampleTaskScene } from "./world/sampler.ts";
export { SPLITS, type Split, SPLIT_BUCKETS, exampleSeed, sceneSplit, splitScene, splitExample, splitExamples, fmix32, fnv1a32 } from "./world/splits.ts";
export {
  SPACE,
  LEADING_WORDS,
  FOLLOWING_WORDS,
  SYMBOL_PIECES,
  DIGIT_PIECES,
  worldPieces,
  worldPieceId,
  worldTokenizerModel,
  writeWorldTokenizer,
  loadWorldTokenizer,
} from "./world/world_tokenizer.ts";
export { exactMatch, boxIou, detectionRecall, scoreExample, TaskAccuracy, type DetectionScore, type TaskResult } from "./world/metrics.ts";
export { type TrainingBatch, type BatchExample, makeBatch, cachedTokenizer } from "./world/batch.ts";
export { type SceneFile, writeTestScenes } from "./world/scene_files.ts";
export { type TinySizes, TINY_SIZES, tinyConfigJson, tinyConfig, initialWeights, decays } from "./model/tiny_paligemma.ts";
export { locPeriods, sinusoidalLocRows } from "./model/loc_embeddings.ts";
export { type LossInputs, type LossOutputs, paligemmaLoss } from "./model/paligemma_loss.ts";
export { type StepShape, lossInputs } from "./model/training_inputs.ts";
export { type CheckpointFiles, saveCheckpoint } from "./model/checkpoint_io.ts";
export { type EvalOptions, type EvalRecord, type EvalResult, evalExamples, evaluate } from "./eval/evaluate.ts";
export { l2Normalize, similarity, clipLossOps, siglipLossOps } from "./contrastive/contrastive_losses.ts";
export { type DualEncoderConfig, TEXT_PREFIX, HEAD_NAMES, dualEncoderExtraSpecs, imageEmbeddings, textEmbeddings } from "./contrastive/dual_encoder.ts";
export { type Schedule, checkSchedule, learningRate } from "./trainer/schedule.ts";
export { type LogRow, logCsv, lossCurveImage, writeLossCurve, writeAtomic } from "./trainer/loss_curve.ts";
export { type TrainSettings, type TrainHooks, TRAIN_DEFAULTS, trainStepSpec, train, parameterCount, checkpointParams } from "./trainer/trainer.ts";
export { type StepRunner, type LoopOptions, createStep, trainLoop } from "./trainer/loop.ts";
export { type Stage0Settings, STAGE0_DEFAULTS, ZERO_SHOT_CLASSES, dualEncoderConfig, stage0Spec, zeroShot, trainStage0, loadStage0 } from "./contrastive/stage0.ts";
