/**
 * train_step_spec.ts — what a training step is made of: the trained parameters, the batch inputs,
 * the loss (written against Ops), clipping and AdamW settings; and the optimizer state it carries.
 * Two implementations run it: TrainStep (one fused ONNX session) and ReferenceTrainStep (plain TS).
 */
import type { BlockInput } from "../layer_ops/block.ts";
import type { Ops } from "../layer_ops/ops.ts";
import type { AdamWHyper } from "./adamw.ts";

export interface ParamSpec {
  name: string;
  shape: readonly number[];
  /** Weight-decay coefficient (0 for norms and biases). */
  decay: number;
}

export interface TrainStepSpec {
  name: string;
  params: readonly ParamSpec[];
  /** The batch inputs, with concrete dims. */
  inputs: Readonly<Record<string, BlockInput>>;
  /** The scalar loss, written against Ops (parameters by name). */
  loss: <T>(ops: Ops<T>, x: Record<string, T>) => T;
  /** Max global gradient norm (default 1; Infinity = no clipping). */
  clip?: number;
  hyper?: AdamWHyper;
}

/** Optimizer state of one parameter set. */
export interface OptimizerState {
  step: number;
  m: Map<string, Float32Array>;
  v: Map<string, Float32Array>;
}
