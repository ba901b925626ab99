/**
 * autodiff — reverse-mode differentiation, both sides (DESIGN.md section 9):
 *   graph side      static shape inference, one VJP rule per ONNX op (rules/), and `grad`, which adds
 *                   the backward nodes to the forward graph so one session runs both;
 *   reference side  `TapeOps`, the `Ops` implementation that records a tape and walks it backward
 *                   through the backward kernels of ../ops/; a gradient checker against finite differences.
 */
export { grad, type GradOptions } from "./grad.ts";
export { inferShapes, ShapeInfo, type ShapeOptions, type ShapeRule, type ShapeRuleContext, type TensorType } from "./shape_inference.ts";
export { VjpContext, type VjpRule } from "./vjp_rule.ts";
export { Emitter } from "./emitter.ts";
export { VJP_RULES } from "./rules/index.ts";
export { SHAPE_RULES } from "./shape_rules/index.ts";
export { gradCheck, finiteDifferenceCheck, type GradCheck, type GradCheckBackward, type GradCheckForward, type GradCheckOptions, type GradCheckReport } from "./grad_check.ts";
export { TapeOps, type BackwardOptions, type Gradients } from "./tape_ops.ts";
