/**
 * quantization_plan.ts — which form each linear layer's weight takes under a public dtype: a pure
 * function of (dtype, config, layout), owned by the library.
 *
 * Teaches: quantization is a per-layer decision, and the best decision differs by where a layer sits
 * (measured at the 3B shape on this project's 2-core AVX-512 VNNI machine; bench/README.md):
 *   f32          every linear float32, memory-mapped from the checkpoint (exact)
 *   int8         decoder linears: per-channel int8 for DynamicQuantizeMatMul (an integer GEMM, ~3x
 *                float at prefill, 1 byte per weight at decode); the tied LM head (V x H, the largest
 *                weight, one row per step even at prefill): MatMulNBits int4, which keeps 0.26 GB of
 *                its 0.53 GB int8 form off the RSS; vision linears int8 (So400m: 1.6 GB f32 -> 0.4 GB)
 *   int8-lowmem  int8, and every MLP down_proj MatMulNBits int4: ~0.24 GB less peak RSS for ~0.7 s
 *                more prefill and a larger quality cost (fixtures: prefill logits max-abs 0.54-0.83
 *                vs 0.21-0.52)
 *   int4         decoder linears and the head MatMulNBits int4 (block 128, int8 activations per block):
 *                the fewest bytes per decode step; vision int8
 * The projector stays float32 under every dtype (one small matrix). Embedding rows are always read
 * exactly from the checkpoint (the head's quantized copy is only used for logits).
 * The plan is plain data: a bench or an experiment may edit it and pass it to PaliGemma.load.
 *
 * References: onnx/checkpoint_weights.ts in @paligemma-ts/tensor (how each form is stored and run);
 * bench/quality.ts (the measured logit drift and greedy agreement of every dtype).
 */
import { ArgumentError, type LinearForm, type LinearPlan } from "@paligemma-ts/tensor";
import { gemmaWeights } from "@paligemma-ts/gemma";
import { siglipWeights } from "@paligemma-ts/siglip";
import type { PaliGemmaConfig } from "./config.ts";
import type { WeightLayout } from "./load.ts";

export const WEIGHT_DTYPES = ["f32", "int8", "int8-lowmem", "int4"] as const;
export type WeightDType = (typeof WEIGHT_DTYPES)[number];

const INT8: LinearForm = { kind: "int8" };
const INT4: LinearForm = { kind: "nbits", bits: 4, blockSize: 128, accuracyLevel: 4 };

/** Throw unless `dtype` is one of WEIGHT_DTYPES. */
export function checkWeightDType(dtype: unknown, where = "dtype"): asserts dtype is WeightDType {
  if (!(WEIGHT_DTYPES as readonly unknown[]).includes(dtype)) throw new ArgumentError(`${where} must be one of ${WEIGHT_DTYPES.join(", ")}, got ${JSON.stringify(dtype)}`);
}

/** The per-linear plan of `dtype` for a model with `config`, under the checkpoint's naming `layout`. */
export function quantizationPlan(dtype: WeightDType, config: PaliGemmaConfig, layout: WeightLayout): LinearPlan {
  checkWeightDType(dtype);
  if (dtype === "f32") return {};
  const plan: Record<string, LinearForm> = {};
  for (const l of siglipWeights(config.vision_config, layout.vision).layers) {
    for (const lin of [l.self_attn.q, l.self_attn.k, l.self_attn.v, l.self_attn.o, l.mlp.fc1, l.mlp.fc2]) plan[lin.weight] = INT8;
  }
  const text = gemmaWeights(config.text_config, layout.text);
  for (const l of text.layers) {
    const { q, k, v, o } = l.self_attn;
    for (const lin of [q, k, v, o, l.mlp.gate, l.mlp.up]) plan[lin.weight] = dtype === "int4" ? INT4 : INT8;
    plan[l.mlp.down.weight] = dtype === "int4" || dtype === "int8-lowmem" ? INT4 : INT8;
  }
  plan[text.embed_tokens] = INT4; // the tied head
  return plan;
}
