/**
 * siglip_onnx.ts — the SigLIP vision tower as fused ONNX graphs: one session per encoder block.
 *
 * Teaches: the same math as vision_tower.ts, written with graph builders so that ONNX Runtime runs
 * each block as ONE session.run (DESIGN.md section 4: a run costs 12-20 us, so ~10 small sessions per
 * block would waste time; one fused session per block is the sweet spot):
 *   embeddings:  x = conv_P(pixels) -> [B, N, D] + position_embedding          [B, N, D]
 *   block i:     x = x + out(attn(q(ln1 x), k(ln1 x), v(ln1 x)))               bidirectional, no mask
 *                x = x + fc2(gelu_tanh(fc1(ln2 x)))                             [B, N, D]
 *   post:        last_hidden_state = post_layernorm(x)                          [B, N, D]
 * Weights are initializers placed by `CheckpointWeights`: float32 ones are external data memory-mapped
 * in place from the checkpoint (prepacking off, nothing copied into JS); bf16/f16 ones are widened
 * once into a disk cache; under PaliGemma's --dtype int8/int4 the linears are per-channel int8
 * DynamicQuantizeMatMul weights (from the same cache, prepacked). Attention uses the opset 23
 * `Attention` op on the 3-D layout [B, N, H*hd] straight out of the projections: no Transpose.
 * Only hidden states cross the JS boundary (inputs are zero-copy; outputs are copied, ~0.6 ms/MiB).
 *
 * References: vision_tower.ts (the reference this must match); Hugging Face `SiglipVisionTransformer`.
 * Leaves out: several blocks per session (one per block keeps per-layer tracing and costs < 2% here).
 */
import { type CheckpointWeights, Graph, type OnnxSession, type SessionOptions, type Tensor, createSession, onnxOps } from "@paligemma-ts/tensor";
import type { SiglipVisionConfig } from "./config.ts";
import { numPatches } from "./config.ts";
import type { Trace } from "./vision_tower.ts";
import { PALIGEMMA_VISION_PREFIX } from "./weights.ts";

/** pixels [B, C, S, S] -> patch tokens + positions [B, N, D]. */
export function siglipEmbeddingsGraph(c: SiglipVisionConfig, w: CheckpointWeights, prefix = PALIGEMMA_VISION_PREFIX): Graph {
  const g = new Graph("siglip_embeddings");
  const pixels = g.input("pixel_values", "float32", ["batch", c.num_channels, c.image_size, c.image_size]);
  const p = `${prefix}embeddings.`;
  const tokens = onnxOps.patchEmbed(g, pixels, w.tensor(g, `${p}patch_embedding.weight`), w.tensor(g, `${p}patch_embedding.bias`), c.patch_size); // [B, N, D]
  g.output(g.op("Add", [tokens, w.tensor(g, `${p}position_embedding.weight`)]), "hidden_states"); // [B, N, D] + [N, D]
  return g;
}

/** Encoder block `i`: [B, N, D] -> [B, N, D]. */
export function siglipEncoderLayerGraph(c: SiglipVisionConfig, w: CheckpointWeights, i: number, prefix = PALIGEMMA_VISION_PREFIX): Graph {
  const g = new Graph(`siglip_layer${i}`);
  const l = `${prefix}encoder.layers.${i}.`;
  const eps = c.layer_norm_eps;
  const heads = c.num_attention_heads;
  let x = g.input("hidden_states", "float32", ["batch", "patches", c.hidden_size]); // [B, N, D]
  const lin = (v: typeof x, n: string) => w.linear(g, v, `${l}${n}.weight`, `${l}${n}.bias`);
  const h = onnxOps.layerNorm(g, x, w.tensor(g, `${l}layer_norm1.weight`), w.tensor(g, `${l}layer_norm1.bias`), eps); // [B, N, D]
  const q = lin(h, "self_attn.q_proj"); // [B, N, H*hd]
  const k = lin(h, "self_attn.k_proj");
  const v = lin(h, "self_attn.v_proj");
  const a = onnxOps.attention(g, q, k, v, null, { numHeads: heads, numKvHeads: heads }); // [B, N, H*hd], scale hd^-0.5
  x = g.op("Add", [x, lin(a, "self_attn.out_proj")]); // [B, N, D]
  const h2 = onnxOps.layerNorm(g, x, w.tensor(g, `${l}layer_norm2.weight`), w.tensor(g, `${l}layer_norm2.bias`), eps);
  const m = lin(onnxOps.geluTanh(g, lin(h2, "mlp.fc1")), "mlp.fc2"); // [B, N, I] -> [B, N, D]
  g.output(g.op("Add", [x, m]), "hidden_states_out");
  return g;
}

/** post_layernorm: [B, N, D] -> last_hidden_state [B, N, D]. */
export function siglipPostLayerNormGraph(c: SiglipVisionConfig, w: CheckpointWeights, prefix = PALIGEMMA_VISION_PREFIX): Graph {
  const g = new Graph("siglip_post_layernorm");
  const x = g.input("hidden_states", "float32", ["batch", "patches", c.hidden_size]);
  const y = onnxOps.layerNorm(g, x, w.tensor(g, `${prefix}post_layernorm.weight`), w.tensor(g, `${prefix}post_layernorm.bias`), c.layer_norm_eps);
  g.output(y, "last_hidden_state");
  return g;
}

/** The tower's sessions, created once; `forward` runs them in order. */
export class SiglipOnnx {
  private constructor(
    readonly config: SiglipVisionConfig,
    private readonly embeddings: OnnxSession,
    private readonly layers: OnnxSession[],
    private readonly post: OnnxSession,
  ) {}

  /** Build and create every session (one per block, plus embeddings and post_layernorm). */
  static async create(c: SiglipVisionConfig, w: CheckpointWeights, options: SessionOptions = {}, prefix = PALIGEMMA_VISION_PREFIX, onSession?: (done: number, total: number) => void): Promise<SiglipOnnx> {
    const o = w.sessionOptions(options);
    const total = c.num_hidden_layers + 2;
    const embeddings = await createSession(siglipEmbeddingsGraph(c, w, prefix), o);
    onSession?.(1, total);
    const layers: OnnxSession[] = [];
    for (let i = 0; i < c.num_hidden_layers; i++) {
      layers.push(await createSession(siglipEncoderLayerGraph(c, w, i, prefix), o)); // one at a time: bounded peak memory (quantizing, when asked, happens here)
      onSession?.(i + 2, total);
    }
    const post = await createSession(siglipPostLayerNormGraph(c, w, prefix), o);
    onSession?.(total, total);
    return new SiglipOnnx(c, embeddings, layers, post);
  }

  /** pixel_values [B, C, S, S] (float32) -> last_hidden_state [B, N, D]; traces like siglipVisionTower. */
  async forward(pixelValues: Tensor, trace?: Trace): Promise<Tensor> {
    const N = numPatches(this.config);
    let x = (await this.embeddings.run({ pixel_values: pixelValues.to("float32") })).hidden_states; // [B, N, D]
    if (x.shape[1] !== N) throw new Error(`unreachable: SigLIP embeddings gave ${x.shape[1]} patches, expected ${N}`);
    trace?.("vision.embeddings", x);
    for (const [i, s] of this.layers.entries()) {
      x = (await s.run({ hidden_states: x })).hidden_states_out;
      trace?.(`vision.layer${i}`, x);
    }
    return (await this.post.run({ hidden_states: x })).last_hidden_state;
  }

  /** Release every session (and the weights ORT holds for them). */
  async dispose(): Promise<void> {
    for (const s of [this.embeddings, ...this.layers, this.post]) await s.dispose();
  }
}
