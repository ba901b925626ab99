/**
 * onnx_backend.ts — Vision/Decoder backends on onnxruntime-node: fused sessions, weights in place.
 *
 * Teaches: how the fast path plugs into the same seams as the reference (backends.ts):
 *   vision   SiglipOnnx: embeddings session, one session per encoder block, post_layernorm session;
 *            projector: one Linear session  [B, N, Dv] -> [B, N, Ht]
 *   decoder  GemmaOnnx: LM head session (created first: largest weight), one session per layer;
 *            embedding rows read from the checkpoint file; KV cache in JS (core KVCache)
 * Weights (CheckpointWeights): float32 tensors are external-data initializers pointing into the
 * .safetensors files; prepacking is off for them (`prepack` turns it on), so ORT memory-maps them in
 * place: nothing is read into JS and the pages are the page cache's. bf16/f16 tensors >= 1 MiB are
 * widened to float32 once into the disk cache (`cacheRoot`) and mapped from there on later loads.
 * Quantized weights (below) are computed once into the same cache and prepacked.
 * Every session uses the same options (device, threads; no per-session memory arena).
 * The checkpoint is checked against the config first (missing/unexpected/shape problems, all at once).
 *
 * Reference: reference_backend.ts (same contracts); DESIGN.md section 4 (why sessions look like this).
 * `dtype: "int8" | "int4"` quantizes once into a disk cache (embedding rows are still read exactly
 * from the file):
 *   int4  decoder linears + tied LM head: MatMulNBits int4 (weight-only, block 128): fastest decode
 *   int8  decoder linears: per-channel int8 DynamicQuantizeMatMul (integer GEMM: ~3x MatMulNBits at
 *         prefill, same bytes per token at decode); tied LM head: MatMulNBits int4 (`headBits`; it only
 *         sees one row per step, prefill included, and int4 keeps 0.26 GB of its 0.53 GB int8 off the RSS)
 *   both  vision tower linears: per-channel int8 DynamicQuantizeMatMul (`visionDtype`, default "int8";
 *         So400m in float32 is 1.6 GB resident, in int8 0.4 GB); projector stays float32
 * Leaves out: worker threads, several layers per session, quantizing the projector or embedding rows.
 */
import { GemmaOnnx } from "@paligemma-ts/gemma";
import { SiglipOnnx } from "@paligemma-ts/siglip";
import { ArgumentError, Checkpoint, CheckpointWeights, Graph, type LinearKind, type OnnxSession, type QuantizeOptions, type SessionOptions, type Tensor, createSession } from "@paligemma-ts/tensor";
import type { DecoderBackend, DecoderInput, Trace, VisionBackend } from "./backends.ts";
import type { PaliGemmaConfig } from "./config.ts";
import { CheckpointError, type LoadProgress, checkCheckpoint, detectLayout } from "./load.ts";

export type WeightDType = "f32" | "int8" | "int4";

export interface OnnxBackendOptions {
  device?: "cpu" | "cuda";
  /** Intra-op threads per session (default $PALIGEMMA_THREADS or one per core). */
  threads?: number;
  /** How linear layers read W^T (default "fused"). */
  linear?: LinearKind;
  /**
   * Decoder weights: "f32" (default, mapped in place), "int8" (per-channel DynamicQuantizeMatMul linears,
   * LM head MatMulNBits per `headBits`) or "int4" (MatMulNBits block 128, accuracy_level 4, LM head too),
   * quantized once into a disk cache. Under int8/int4 the vision linears are int8 too (`visionDtype`);
   * the projector stays float32.
   */
  dtype?: WeightDType;
  /** Vision tower linears when `dtype` is int8/int4: "int8" (default, DynamicQuantizeMatMul) or "f32". Ignored for f32. */
  visionDtype?: "f32" | "int8";
  /** The tied LM head under dtype "int8": MatMulNBits with 4 (default) or 8 bits (it only ever sees one row per step; int4 saves 0.26 GB). */
  headBits?: 8 | 4;
  /**
   * Under dtype "int8": decoder linears (per layer, e.g. ["mlp.down_proj"]) kept as MatMulNBits int4
   * instead: each MLP matrix saves ~0.26 GB at the 3B shape and costs ~0.7 s of a 276-token prefill.
   */
  int4Linears?: string[];
  /** Kernel for the int8 decoder linears: "dynamic" (default, DynamicQuantizeMatMul) or "nbits" (MatMulNBits int8). */
  int8Kernel?: "dynamic" | "nbits";
  /** Root of the disk cache for converted (bf16) and quantized weights (default $PALIGEMMA_CACHE or ~/.cache/paligemma-ts). */
  cacheRoot?: string;
  /** Let ORT prepack float32 weights (default false: they stay memory-mapped; see CheckpointWeights). */
  prepack?: boolean;
  onProgress?: (e: LoadProgress) => void;
}

export class OnnxVisionBackend implements VisionBackend {
  readonly name = "onnx";
  constructor(
    private readonly tower: SiglipOnnx,
    private readonly projector: OnnxSession,
  ) {}

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

export class OnnxDecoderBackend implements DecoderBackend {
  readonly name = "onnx";
  constructor(
    readonly model: GemmaOnnx,
    private readonly checkpoint: Checkpoint,
  ) {}

  async embed(ids: readonly (readonly number[])[]): Promise<Tensor> {
    return this.model.embed(ids);
  }

  createCache(batch: number, maxLength: number) {
    return this.model.createCache(batch, maxLength);
  }

  async forward(input: DecoderInput): Promise<{ logits: Tensor }> {
    const { logits } = await this.model.forward(input);
    return { logits: logits! };
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
    this.checkpoint.close();
  }
}

/** The multimodal projector as a graph: [B, N, Dv] -> [B, N, Ht] = x W^T + b. */
export function projectorGraph(c: PaliGemmaConfig, w: CheckpointWeights, prefix: string): Graph {
  const g = new Graph("multi_modal_projector");
  const x = g.input("hidden_states", "float32", ["batch", "patches", c.vision_config.hidden_size]);
  g.output(w.linear(g, x, `${prefix}weight`, `${prefix}bias`), "image_features");
  return g;
}

/** Open and check the checkpoint in `dir`, then create every session. */
export async function loadOnnxBackends(dir: string, config: PaliGemmaConfig, options: OnnxBackendOptions = {}): Promise<{ vision: OnnxVisionBackend; decoder: OnnxDecoderBackend }> {
  const ckpt = Checkpoint.open(dir);
  try {
    const layout = detectLayout(ckpt);
    options.onProgress?.({ stage: "check", loaded: 0, total: 1 });
    const problems = checkCheckpoint(ckpt, config, layout);
    if (problems.length > 0) throw new CheckpointError(dir, problems);
    const base = { linear: options.linear, cacheRoot: options.cacheRoot, prepack: options.prepack };
    const w = new CheckpointWeights(ckpt, base);
    const dtype = options.dtype ?? "f32";
    if (!["f32", "int8", "int4"].includes(dtype)) throw new ArgumentError(`loadOnnxBackends: dtype must be "f32", "int8" or "int4", got ${JSON.stringify(dtype)}`);
    const head = `${layout.text}embed_tokens.weight`;
    const int8Kernel = options.int8Kernel ?? "dynamic";
    const textQuant: QuantizeOptions = dtype === "int8" ? { bits: 8, kernel: int8Kernel, overrides: { [head]: { kernel: "nbits", bits: options.headBits ?? 4 } } } : { bits: 4 };
    if (dtype === "int8") {
      for (const lin of options.int4Linears ?? []) {
        for (let i = 0; i < config.text_config.num_hidden_layers; i++) textQuant.overrides![`${layout.text}layers.${i}.${lin}.weight`] = { kernel: "nbits", bits: 4 };
      }
    }
    const textWeights = dtype === "f32" ? w : new CheckpointWeights(ckpt, { ...base, prepack: true, quantize: textQuant });
    const visionQuantized = dtype !== "f32" && (options.visionDtype ?? "int8") === "int8";
    const visionWeights = visionQuantized ? new CheckpointWeights(ckpt, { ...base, prepack: true, quantize: { bits: 8, kernel: "dynamic" } }) : w;
    const session: SessionOptions = { device: options.device, threads: options.threads };
    const total = config.text_config.num_hidden_layers + 1 + config.vision_config.num_hidden_layers + 3;
    const progress = (loaded: number, name: string) => options.onProgress?.({ stage: "weights", loaded, total, name });
    const text = await GemmaOnnx.create(config.text_config, textWeights, session, layout.text, (done) => progress(done, `language_model.${done === 1 ? "lm_head" : `layers.${done - 2}`}${dtype === "f32" ? "" : ` (${dtype})`}`));
    const textSessions = config.text_config.num_hidden_layers + 1;
    const tower = await SiglipOnnx.create(config.vision_config, visionWeights, session, layout.vision, (done) => progress(textSessions + done, `vision_tower${visionQuantized ? " (int8)" : ""}`));
    const projector = await createSession(projectorGraph(config, w, layout.projector), w.sessionOptions(session));
    progress(total, "multi_modal_projector");
    return { vision: new OnnxVisionBackend(tower, projector), decoder: new OnnxDecoderBackend(text, ckpt) };
  } catch (e) {
    ckpt.close();
    throw e;
  }
}
