/**
 * rules — the gradient rule of every op autodiff knows, keyed by op type ("domain.OpType" outside
 * ai.onnx, e.g. "com.microsoft.FusedMatMul"): one rule per op, one file per family.
 */
import type { VjpRule } from "../vjp_rule.ts";
import { ARITHMETIC_RULES } from "./arithmetic.ts";
import { ATTENTION_RULES } from "./attention.ts";
import { CONV_RULES } from "./conv.ts";
import { GATHER_RULES } from "./gather.ts";
import { LAYOUT_RULES } from "./layout.ts";
import { MATMUL_RULES } from "./matmul.ts";
import { NO_GRADIENT_RULES } from "./no_gradient.ts";
import { NORMALIZATION_RULES } from "./normalization.ts";
import { REDUCE_RULES } from "./reduce.ts";
import { ROTARY_RULES } from "./rotary_embedding.ts";
import { SOFTMAX_RULES } from "./softmax.ts";
import { UNARY_RULES } from "./unary.ts";

export const VJP_RULES: Readonly<Record<string, VjpRule>> = {
  ...ARITHMETIC_RULES, ...UNARY_RULES, ...SOFTMAX_RULES, ...REDUCE_RULES, ...MATMUL_RULES, ...NORMALIZATION_RULES,
  ...ATTENTION_RULES, ...ROTARY_RULES, ...CONV_RULES, ...LAYOUT_RULES, ...GATHER_RULES, ...NO_GRADIENT_RULES,
};
