/**
 * bench_plan.ts — the bench's experiment knobs, as edits of a public dtype's per-linear plan.
 *
 * Teaches: the library owns what each dtype means (src/quantization_plan.ts); an experiment is a
 * different plan, not a new public option. The knobs the bench keeps:
 *   --head-bits 8|4          the tied LM head as MatMulNBits int8 or int4 (int8/int8-lowmem; default 4)
 *   --int8-kernel nbits      int8 decoder linears as MatMulNBits int8 instead of DynamicQuantizeMatMul
 *   --vision-dtype f32       the vision linears float32 instead of int8 (quantized dtypes)
 *   --int4-linears a,b       these per-layer decoder linears (e.g. mlp.down_proj) MatMulNBits int4
 *
 * Reference: src/quantization_plan.ts.
 */
import type { LinearForm, LinearPlan } from "@paligemma-ts/tensor";
import { type PaliGemmaConfig, type WeightDType, type WeightLayout, quantizationPlan } from "../src/index.ts";

export interface BenchKnobs {
  headBits?: 4 | 8;
  int8Kernel?: "dynamic" | "nbits";
  visionDtype?: "int8" | "f32";
  int4Linears?: readonly string[];
}

const nbits = (bits: 4 | 8): LinearForm => ({ kind: "nbits", bits, blockSize: 128, accuracyLevel: 4 });

/** The dtype's plan with the knobs applied; undefined when no knob changes it (use the dtype itself). */
export function benchPlan(dtype: WeightDType, config: PaliGemmaConfig, layout: WeightLayout, k: BenchKnobs): LinearPlan | undefined {
  const changes = k.headBits === 8 || k.int8Kernel === "nbits" || k.visionDtype === "f32" || (k.int4Linears?.length ?? 0) > 0;
  if (dtype === "f32" || !changes) return undefined;
  const plan: Record<string, LinearForm> = { ...quantizationPlan(dtype, config, layout) };
  for (const name of Object.keys(plan)) {
    const vision = name.startsWith(layout.vision);
    if (vision && k.visionDtype === "f32") delete plan[name];
    else if (name === `${layout.text}embed_tokens.weight`) plan[name] = dtype === "int4" ? plan[name] : nbits(k.headBits ?? 4);
    else if (!vision && k.int4Linears?.some((l) => name.endsWith(`.${l}.weight`))) plan[name] = nbits(4);
    else if (!vision && plan[name].kind === "int8" && k.int8Kernel === "nbits") plan[name] = nbits(8);
  }
  return plan;
}
