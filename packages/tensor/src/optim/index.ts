/**
 * optim — training: AdamW (reference and graph), the training-step spec, and its two
 * implementations (ReferenceTrainStep in plain TS; TrainStep as one fused ONNX session).
 */
export { ADAMW_DEFAULTS, adamwStepScalars, clipFactor, adamwUpdate, adamwUpdateGraph, type AdamWHyper, type AdamWGraphScalars } from "./adamw.ts";
export { type ParamSpec, type TrainStepSpec, type OptimizerState } from "./train_step_spec.ts";
export { ReferenceTrainStep } from "./reference_train_step.ts";
export { TrainStep, trainStepGraph } from "./train_step.ts";
