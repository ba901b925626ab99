/**
 * vision_tower.ts — the SigLIP vision transformer: pixels in, one vector per patch out.
 *
 * Teaches: the whole tower is three lines:
 *   x = embeddings(pixel_values)                 [B, N, D]
 *   for each layer: x = encoder_layer(x)          [B, N, D]
 *   return post_layernorm(x)                      last_hidden_state [B, N, D]
 * PaliGemma uses every patch token (no pooling head) and projects them into the text model.
 * Each line is a Block (one session on the ONNX kernels): the embeddings, one per encoder layer, the
 * post-norm. `SiglipVisionModel.create(kernels, ...)` compiles them with whichever kernels it is
 * given, and `forward` runs them in order; the same forward serves the reference and the ONNX path.
 *
 * References: Zhai et al., "Sigmoid Loss for Language Image Pre-Training" (https://arxiv.org/abs/2303.15343);
 * Hugging Face transformers `SiglipVisionTransformer`.
 * Leaves out: the attention-pooling head, output of all hidden states (use `trace`).
 */
import { type Block, type BlockRunner, type Kernels, ShapeError, type Tensor, type Trace, compileBlocks } from "@paligemma-ts/tensor";
import { type SiglipVisionConfig, numPatches } from "./config.ts";
import { siglipEmbeddings } from "./embeddings.ts";
import { siglipEncoderLayer } from "./encoder_layer.ts";
import { PALIGEMMA_VISION_PREFIX, siglipWeights } from "./weights.ts";

/** The tower's blocks, in order: embeddings, encoder layers, post_layernorm. */
export function siglipBlocks(c: SiglipVisionConfig, prefix = PALIGEMMA_VISION_PREFIX): Block[] {
  const w = siglipWeights(c, prefix);
  const tokens = { dtype: "float32", dims: ["batch", numPatches(c), c.hidden_size] } as const; // [B, N, D]
  return [
    {
      name: "siglip_embeddings",
      inputs: { pixel_values: { dtype: "float32", dims: ["batch", c.num_channels, c.image_size, c.image_size] } },
      forward: (ops, x) => ({ hidden_states: siglipEmbeddings(ops, c, w, x.pixel_values) }),
    },
    ...w.layers.map((lw, i): Block => ({
      name: `siglip_layer${i}`,
      inputs: { hidden_states: tokens },
      forward: (ops, x) => ({ hidden_states_out: siglipEncoderLayer(ops, c, lw, x.hidden_states) }),
    })),
    {
      name: "siglip_post_layernorm",
      inputs: { hidden_states: tokens },
      forward: (ops, x) => ({ last_hidden_state: ops.layerNorm(x.hidden_states, w.post_layernorm.weight, w.post_layernorm.bias, c.layer_norm_eps) }),
    },
  ];
}

export class SiglipVisionModel {
  private constructor(
    readonly config: SiglipVisionConfig,
    private readonly runners: BlockRunner[],
  ) {}

  /** Compile the tower's blocks with `kernels` (one ONNX session per block on the onnx kernels). */
  static async create(kernels: Kernels, c: SiglipVisionConfig, prefix = PALIGEMMA_VISION_PREFIX, onCompiled?: (done: number, total: number, name: string) => void): Promise<SiglipVisionModel> {
    return new SiglipVisionModel(c, await compileBlocks(kernels, siglipBlocks(c, prefix), onCompiled));
  }

  /** pixel_values [B, C, S, S] -> last_hidden_state [B, N, D]; traces "vision.embeddings", "vision.layer{i}" (before post_layernorm). */
  async forward(pixelValues: Tensor, trace?: Trace): Promise<Tensor> {
    const c = this.config;
    const [, C, H, W] = pixelValues.shape;
    if (pixelValues.rank !== 4 || C !== c.num_channels || H !== c.image_size || W !== c.image_size) {
      throw new ShapeError(`SigLIP: pixel_values must be [B, ${c.num_channels}, ${c.image_size}, ${c.image_size}], got [${pixelValues.shape.join(", ")}]`);
    }
    const [embeddings, ...rest] = this.runners;
    const post = rest.pop()!;
    let x = (await embeddings.run({ pixel_values: pixelValues.to("float32") })).hidden_states; // [B, N, D]
    trace?.("vision.embeddings", x);
    for (const [i, layer] of rest.entries()) {
      x = (await layer.run({ hidden_states: x })).hidden_states_out;
      trace?.(`vision.layer${i}`, x);
    }
    return (await post.run({ hidden_states: x })).last_hidden_state; // [B, N, D]
  }

  async dispose(): Promise<void> {
    for (const r of this.runners) await r.dispose();
  }
}
