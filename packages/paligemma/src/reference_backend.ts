/**
 * reference_backend.ts — Vision/Decoder backends in plain TypeScript: the spec and the test oracle.
 *
 * Teaches: nothing new — it only wires the readable model code (siglipVisionTower, the projector,
 * gemmaForward) behind the backend interfaces, on float32 weights held in JS.
 * Leaves out: speed (no threads, no SIMD, no quantization); use the ONNX backend for that.
 */
import { KVCache } from "@paligemma-ts/core";
import { gemmaEmbed, gemmaForward } from "@paligemma-ts/gemma";
import { siglipVisionTower } from "@paligemma-ts/siglip";
import type { Tensor } from "@paligemma-ts/tensor";
import type { DecoderBackend, DecoderInput, Trace, VisionBackend } from "./backends.ts";
import type { PaliGemmaConfig } from "./config.ts";
import type { PaliGemmaWeights } from "./load.ts";
import { multiModalProjector } from "./projector.ts";

export class ReferenceVisionBackend implements VisionBackend {
  readonly name = "reference";
  constructor(
    private readonly weights: PaliGemmaWeights,
    private readonly config: PaliGemmaConfig,
  ) {}

  async encode(pixelValues: Tensor, trace?: Trace): Promise<Tensor> {
    return siglipVisionTower(pixelValues.to("float32"), this.weights.vision, this.config.vision_config, trace);
  }

  async project(visionHidden: Tensor): Promise<Tensor> {
    return multiModalProjector(visionHidden, this.weights.projector);
  }

  async dispose(): Promise<void> {}
}

export class ReferenceDecoderBackend implements DecoderBackend {
  readonly name = "reference";
  constructor(
    private readonly weights: PaliGemmaWeights,
    private readonly config: PaliGemmaConfig,
  ) {}

  async embed(ids: readonly (readonly number[])[]): Promise<Tensor> {
    return gemmaEmbed(ids, this.weights.text);
  }

  createCache(batch: number, maxLength: number): KVCache {
    const c = this.config.text_config;
    return new KVCache({ numLayers: c.num_hidden_layers, batch, numKvHeads: c.num_key_value_heads, headDim: c.head_dim, maxLength });
  }

  async forward(input: DecoderInput): Promise<{ logits: Tensor }> {
    const out = gemmaForward(this.weights.text, this.config.text_config, input);
    return { logits: out.logits! };
  }

  async dispose(): Promise<void> {}
}
