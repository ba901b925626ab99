/**
 * load.ts — check a PaliGemma checkpoint against its config before using any weight.
 *
 * Teaches: strict loading. From the config alone we know every tensor the model needs (name and
 * shape: SigLIP's, the projector's, Gemma's). The checkpoint (one model.safetensors or shards listed
 * in model.safetensors.index.json) is compared with that list and EVERY problem is collected first —
 * missing tensors, unexpected ones, wrong shapes, non-float dtypes — then reported in one
 * CheckpointError, so a user fixes a broken conversion in one round instead of ten.
 * Weight tying: the LM head is embed_tokens; a stored `lm_head.weight` is accepted only if it equals
 * embed_tokens exactly.
 * Layouts: the classic Hugging Face names (`vision_tower.vision_model.*`, `multi_modal_projector.linear.*`,
 * `language_model.model.*`) and the transformers >= 4.52 names (`model.vision_tower.*`,
 * `model.multi_modal_projector.*`, `model.language_model.*`, `lm_head.weight`) are both recognised.
 *
 * Reference: PyTorch `load_state_dict(strict=True)`; Hugging Face `PaliGemmaForConditionalGeneration`.
 * Leaves out: quantized checkpoints.
 */
import type { WeightSpec } from "@paligemma-ts/core";
import { gemmaWeightSpecs } from "@paligemma-ts/gemma";
import { siglipWeightSpecs } from "@paligemma-ts/siglip";
import { type Checkpoint, PaliGemmaError, type Tensor, isFloat } from "@paligemma-ts/tensor";
import type { PaliGemmaConfig } from "./config.ts";

export interface CheckpointProblem {
  name: string;
  kind: "missing" | "unexpected" | "shape" | "dtype" | "untied";
  expected?: string;
  actual?: string;
}

/** A checkpoint that does not fit its config; `problems` lists every offending tensor. */
export class CheckpointError extends PaliGemmaError {
  readonly problems: CheckpointProblem[];
  constructor(path: string, problems: CheckpointProblem[]) {
    const lines = problems.map((p) => `  ${p.kind}: ${p.name}${p.expected ? ` (expected ${p.expected}${p.actual ? `, got ${p.actual}` : ""})` : p.actual ? ` (${p.actual})` : ""}`);
    super("E_CHECKPOINT", `checkpoint ${path} does not match its config.json (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
    this.problems = problems;
  }
}

export interface WeightLayout {
  vision: string;
  projector: string;
  text: string;
  /** Names an untied LM head may be stored under. */
  lmHead: string[];
}

export const CLASSIC_LAYOUT: WeightLayout = {
  vision: "vision_tower.vision_model.",
  projector: "multi_modal_projector.linear.",
  text: "language_model.model.",
  lmHead: ["language_model.lm_head.weight"],
};

export const MODERN_LAYOUT: WeightLayout = {
  vision: "model.vision_tower.vision_model.",
  projector: "model.multi_modal_projector.linear.",
  text: "model.language_model.",
  lmHead: ["lm_head.weight"],
};

/** Every tensor the model needs, with its shape, under `layout`'s names. */
export function paliGemmaWeightSpecs(c: PaliGemmaConfig, layout: WeightLayout = CLASSIC_LAYOUT): WeightSpec[] {
  return [
    ...siglipWeightSpecs(c.vision_config, layout.vision),
    { name: `${layout.projector}weight`, shape: [c.projection_dim, c.vision_config.hidden_size] },
    { name: `${layout.projector}bias`, shape: [c.projection_dim] },
    ...gemmaWeightSpecs(c.text_config, layout.text),
  ];
}

/** Which naming layout a checkpoint uses. */
export function detectLayout(ckpt: Pick<Checkpoint, "has">): WeightLayout {
  return ckpt.has(`${MODERN_LAYOUT.text}embed_tokens.weight`) ? MODERN_LAYOUT : CLASSIC_LAYOUT;
}

const shapeStr = (s: readonly number[]) => `[${s.join(", ")}]`;

/** Compare a checkpoint with the specs; returns every problem (empty = fits). Reads only headers, except to check a stored LM head. */
export function checkCheckpoint(ckpt: Checkpoint, c: PaliGemmaConfig, layout = detectLayout(ckpt)): CheckpointProblem[] {
  const problems: CheckpointProblem[] = [];
  const specs = paliGemmaWeightSpecs(c, layout);
  const expected = new Set(specs.map((s) => s.name));
  for (const s of specs) {
    if (!ckpt.has(s.name)) {
      problems.push({ name: s.name, kind: "missing", expected: shapeStr(s.shape) });
      continue;
    }
    const info = ckpt.info(s.name);
    if (shapeStr(info.shape) !== shapeStr(s.shape)) problems.push({ name: s.name, kind: "shape", expected: shapeStr(s.shape), actual: shapeStr(info.shape) });
    if (!isFloat(info.dtype)) problems.push({ name: s.name, kind: "dtype", expected: "float32, bfloat16 or float16", actual: info.dtype });
  }
  const embedName = `${layout.text}embed_tokens.weight`;
  for (const name of ckpt.names()) {
    if (expected.has(name)) continue;
    if (!layout.lmHead.includes(name)) {
      problems.push({ name, kind: "unexpected", actual: shapeStr(ckpt.info(name).shape) });
      continue;
    }
    // A stored LM head must be the embedding table itself (Gemma ties them).
    const head = ckpt.info(name);
    const embedShape = [c.text_config.vocab_size, c.text_config.hidden_size];
    if (shapeStr(head.shape) !== shapeStr(embedShape)) {
      problems.push({ name, kind: "shape", expected: shapeStr(embedShape), actual: shapeStr(head.shape) });
    } else if (ckpt.has(embedName) && !sameValues(ckpt.read(name), ckpt.read(embedName))) {
      problems.push({ name, kind: "untied", expected: `equal to ${embedName}`, actual: "different values (untied LM heads are not supported)" });
    }
  }
  return problems;
}

function sameValues(a: Tensor, b: Tensor): boolean {
  const x = a.toFloat32();
  const y = b.toFloat32();
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export interface LoadProgress {
  /**
   * check: headers vs config; weights: tensors read into memory (reference); convert: checkpoint bytes
   * read into the weight cache (ONNX, first start: quantizing, widening; loaded/total in bytes);
   * compile: one block made runnable (ONNX: its session).
   */
  stage: "check" | "weights" | "convert" | "compile";
  loaded: number;
  total: number;
  name?: string;
  /** convert: checkpoint bytes per second since the conversion started. */
  bytesPerSecond?: number;
}
