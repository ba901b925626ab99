/**
 * shape_rules — every op shape inference knows, keyed like the gradient rules: the op type, or
 * "domain.OpType" outside ai.onnx ("com.microsoft.FusedMatMul").
 */
import { ELEMENTWISE_RULES } from "./elementwise.ts";
import { LAYOUT_RULES } from "./layout.ts";
import { NN_RULES } from "./nn.ts";
import type { ShapeRule } from "./rule.ts";

export const SHAPE_RULES: Readonly<Record<string, ShapeRule>> = { ...ELEMENTWISE_RULES, ...LAYOUT_RULES, ...NN_RULES };
