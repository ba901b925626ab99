/**
 * runners.ts — the two seams between PaliGemma's orchestration and the models that run it.
 *
 * Teaches: generation is a loop around two very different workloads.
 *   VisionRunner    runs once per image (never during decoding): SigLIP + projector.
 *   DecoderRunner   runs once for the prompt (prefill) and once per new token (decode), reading and
 *                   appending the KV cache.
 * Everything else (prompt layout, merging image features, masks, positions, sampling, stopping) is
 * plain TS shared by every runner. Both are implemented by the models themselves, compiled with the
 * reference or the ONNX kernels: `PaliGemmaVision` (SiglipVisionModel + the projector block, here)
 * and gemma's `GemmaModel` (a DecoderRunner as it is). A test wraps them (counting calls, limiting
 * positions); a custom runner only has to reproduce these few calls.
 *
 * Contract of DecoderRunner.forward (GemmaModel.forward): inputsEmbeds [B, T, H] are the merged
 * embeddings BEFORE the sqrt(hidden) normalizer; positions [B][T] are RoPE positions; mask is additive
 * [B, 1, T, cache.length + T]; the T new keys/values are appended to the cache; logits are [B, T, V]
 * for "all", [B, 1, V] for "last".
 */
import type { KVCache } from "@paligemma-ts/core";
import type { GemmaForwardInput } from "@paligemma-ts/gemma";
import { SiglipVisionModel } from "@paligemma-ts/siglip";
import { type Block, type BlockRunner, type Kernels, type LinearParams, type Ops, type Tensor, type Trace } from "@paligemma-ts/tensor";
import type { PaliGemmaConfig } from "./config.ts";
import type { WeightLayout } from "./load.ts";

export interface VisionRunner {
  /** pixel_values [B, C, S, S] -> SigLIP last_hidden_state [B, N, Dv]. */
  encode(pixelValues: Tensor, trace?: Trace): Promise<Tensor>;
  /** Multimodal projector: [B, N, Dv] -> image_features [B, N, Ht] (before the merge's 1/sqrt(Ht)). */
  project(visionHidden: Tensor): Promise<Tensor>;
  dispose(): Promise<void>;
}

export interface DecoderRunner {
  /** Raw embedding rows for ids [B][T] -> [B, T, H] (no scaling). */
  embed(ids: readonly (readonly number[])[]): Tensor;
  /** A preallocated KV cache for `batch` rows and up to `maxLength` slots. */
  createCache(batch: number, maxLength: number): KVCache;
  /** One decoder pass (prefill or decode step); see the header. */
  forward(input: GemmaForwardInput): Promise<{ logits: Tensor | null }>;
  dispose(): Promise<void>;
}

/**
 * The multimodal projector: SigLIP's width to Gemma's width, ONE Linear with bias
 *   image_features = vision_last_hidden_state W^T + b      [B, N, Dv] -> [B, N, Ht]
 * (config.json's `projector_hidden_act` is a leftover: no activation is applied).
 * Reference: Hugging Face transformers `PaliGemmaMultiModalProjector`.
 */
export function multiModalProjector<T>(ops: Ops<T>, w: LinearParams, visionHidden: T): T {
  return ops.linear(visionHidden, w); // [B, N, Ht]
}

/** The projector as a block. */
export function projectorBlock(c: PaliGemmaConfig, layout: WeightLayout): Block {
  const w = { weight: `${layout.projector}weight`, bias: `${layout.projector}bias` };
  return {
    name: "multi_modal_projector",
    inputs: { hidden_states: { dtype: "float32", dims: ["batch", "patches", c.vision_config.hidden_size] } },
    forward: (ops, x) => ({ image_features: multiModalProjector(ops, w, x.hidden_states) }),
  };
}

/** SigLIP + projector on one set of kernels. */
export class PaliGemmaVision implements VisionRunner {
  private constructor(
    readonly tower: SiglipVisionModel,
    private readonly projector: BlockRunner,
  ) {}

  static async create(kernels: Kernels, c: PaliGemmaConfig, layout: WeightLayout, onCompiled?: (done: number, total: number, name: string) => void): Promise<PaliGemmaVision> {
    const total = c.vision_config.num_hidden_layers + 3;
    const tower = await SiglipVisionModel.create(kernels, c.vision_config, layout.vision, (done, _t, name) => onCompiled?.(done, total, name));
    const projector = await kernels.compile(projectorBlock(c, layout));
    onCompiled?.(total, total, "multi_modal_projector");
    return new PaliGemmaVision(tower, projector);
  }

  encode(pixelValues: Tensor, trace?: Trace): Promise<Tensor> {
    return this.tower.forward(pixelValues, trace);
  }

  async project(visionHidden: Tensor): Promise<Tensor> {
    return (await this.projector.run({ hidden_states: visionHidden.to("float32") })).image_features;
  }

  async dispose(): Promise<void> {
    await this.tower.dispose();
    await this.projector.dispose();
  }
}
