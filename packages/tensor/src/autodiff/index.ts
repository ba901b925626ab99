/**
 * autodiff — reverse-mode autodiff over the ONNX graphs `Graph` builds (DESIGN.md section 9):
 * static shape inference, one VJP rule per op (rules/), and `grad`, which adds the backward nodes to
 * the forward graph so one session runs both.
 */
export { grad, type GradOptions } from "./grad.ts";
export { inferShapes, ShapeInfo, type ShapeOptions, type ShapeRule, type ShapeRuleContext, type TensorType } from "./shape_inference.ts";
export { VjpContext, type VjpRule } from "./vjp_rule.ts";
export { Emitter } from "./emitter.ts";
export { VJP_RULES } from "./rules/index.ts";
export { SHAPE_RULES } from "./shape_rules/index.ts";
