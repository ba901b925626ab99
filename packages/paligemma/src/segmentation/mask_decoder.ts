/**
 * mask_decoder.ts — `MaskDecoder`: load PaliGemma's VQ-VAE mask decoder (vae-oid.npz or a
 * .safetensors with the same names), compile it on either kernel set, decode codes to 64x64 masks.
 *
 * Teaches: a second, independent model next to PaliGemma. Its weights come from big_vision, not
 * from the Hugging Face checkpoint:
 *   file     vae-oid.npz (a zip of .npy arrays, PyTorch-style names) or a .safetensors copy of it
 *   check    every tensor of vqvaeWeightSpecs(K, D) present with its shape; K and D (the codebook
 *            size and width) are read from `_vq_vae._embedding` [K, D], so other widths work too
 *   kernels  "reference": the plain-TS kernels on the arrays in memory; "onnx": one session with the
 *            weights as initializers (the whole decoder is ~19 MB)
 *   decode   codes [B][16] in 0..K-1 -> masks [B, 64, 64] (float, > 0 = inside)
 * Where the file lives: `--vae PATH` in the CLI, else $PALIGEMMA_VAE, else
 * <cache root>/vae-oid.npz (the cache root is $PALIGEMMA_CACHE or ~/.cache/paligemma-ts).
 *
 * Reference: big_vision/evaluators/proj/paligemma/transfers/segmentation.py (`get_reconstruct_masks`,
 * `_KNOWN_MODELS`: gs://big_vision/paligemma/vae-oid.npz).
 * Leaves out: downloading the file; batching objects of several answers into one call (the caller may).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  type BlockRunner, type Device, type Kernels, OnnxKernels, PaliGemmaError, ReferenceKernels, SafetensorsFile, Tensor, TensorParams,
  defaultCacheRoot, readNpz,
} from "@paligemma-ts/tensor";
import { CODE_GRID, VQVAE_WEIGHTS, vqvaeDecoderBlock, vqvaeWeightSpecs } from "./vqvae_decoder.ts";

/** The mask decoder's file is missing, unreadable, or lacks a tensor; bad codes. The message names the file. */
export class MaskDecoderError extends PaliGemmaError {
  constructor(message: string) {
    super("E_MASK_DECODER", message);
  }
}

/** Where the decoder is looked for when no path is given: $PALIGEMMA_VAE, else <cache root>/vae-oid.npz. */
export function defaultMaskDecoderPath(): string {
  return process.env.PALIGEMMA_VAE ?? join(defaultCacheRoot(), "vae-oid.npz");
}

export interface MaskDecoderOptions {
  /** "onnx" (default) or "reference". */
  backend?: "onnx" | "reference";
  /** ONNX only; default cpu. */
  device?: Device;
}

/** Read the decoder's tensors from an .npz or .safetensors file, as float32, by name. */
export function readMaskDecoderWeights(file: string): Map<string, Tensor> {
  if (!existsSync(file)) throw new MaskDecoderError(`mask decoder '${file}' does not exist (expected big_vision's vae-oid.npz, or a .safetensors with its tensor names)`);
  let tensors: Map<string, Tensor>;
  if (file.endsWith(".npz")) {
    tensors = readNpz(file);
  } else if (file.endsWith(".safetensors")) {
    const st = SafetensorsFile.open(file);
    try {
      tensors = new Map(st.names().map((n) => [n, st.read(n)]));
    } finally {
      st.close();
    }
  } else {
    throw new MaskDecoderError(`mask decoder '${file}': expected a .npz or .safetensors file`);
  }
  return new Map([...tensors].map(([n, t]) => [n, t.to("float32")]));
}

/** Codebook size K and width D from the weights, after checking every expected tensor (one error listing all problems). */
export function checkMaskDecoderWeights(tensors: ReadonlyMap<string, Tensor>, file: string): { K: number; D: number } {
  const codebook = tensors.get(VQVAE_WEIGHTS.codebook);
  if (!codebook || codebook.rank !== 2) throw new MaskDecoderError(`mask decoder '${file}': no 2-D codebook '${VQVAE_WEIGHTS.codebook}' [K, D] (has ${[...tensors.keys()].slice(0, 5).join(", ")}${tensors.size > 5 ? ", ..." : ""})`);
  const [K, D] = codebook.shape;
  const problems: string[] = [];
  for (const { name, shape } of vqvaeWeightSpecs(K, D)) {
    const t = tensors.get(name);
    if (!t) problems.push(`missing '${name}' [${shape.join(", ")}]`);
    else if (t.shape.join() !== shape.join()) problems.push(`'${name}' is [${t.shape.join(", ")}], expected [${shape.join(", ")}]`);
  }
  if (problems.length > 0) throw new MaskDecoderError(`mask decoder '${file}' (codebook ${K} x ${D}): ${problems.join("; ")}`);
  return { K, D };
}

export class MaskDecoder {
  private constructor(
    /** Codebook entries (128 in vae-oid.npz): codes are 0..K-1. */
    readonly codebookSize: number,
    /** Codebook width D (512 in vae-oid.npz). */
    readonly embeddingDim: number,
    private readonly kernels: Kernels,
    private readonly runner: BlockRunner,
    readonly source: string,
  ) {}

  /** Load from a file (.npz or .safetensors; see the header) and compile on the chosen kernels. */
  static async load(file: string, options: MaskDecoderOptions = {}): Promise<MaskDecoder> {
    return MaskDecoder.fromTensors(readMaskDecoderWeights(file), file, options);
  }

  /** From tensors already in memory (`source` names them in errors). */
  static async fromTensors(tensors: ReadonlyMap<string, Tensor>, source: string, options: MaskDecoderOptions = {}): Promise<MaskDecoder> {
    const { K, D } = checkMaskDecoderWeights(tensors, source);
    const params = new TensorParams(new Map(tensors));
    const backend = options.backend ?? "onnx";
    if (backend !== "onnx" && backend !== "reference") throw new MaskDecoderError(`mask decoder: backend must be "onnx" or "reference", got ${JSON.stringify(backend)}`);
    const kernels: Kernels = backend === "reference" ? new ReferenceKernels(params.get) : new OnnxKernels(params, { device: options.device ?? "cpu" });
    return new MaskDecoder(K, D, kernels, await kernels.compile(vqvaeDecoderBlock()), source);
  }

  get kind(): "reference" | "onnx" {
    return this.kernels.kind;
  }

  /** codes [B][16], each in 0..K-1 -> masks [B, 64, 64] float32 (B = 0 gives [0, 64, 64]). */
  async decode(codes: readonly (readonly number[])[]): Promise<Tensor> {
    const n = CODE_GRID * CODE_GRID;
    codes.forEach((row, b) => {
      if (row.length !== n) throw new MaskDecoderError(`mask decoder: object ${b} has ${row.length} codes, expected ${n}`);
      const bad = row.find((c) => !Number.isInteger(c) || c < 0 || c >= this.codebookSize);
      if (bad !== undefined) throw new MaskDecoderError(`mask decoder: object ${b} has code ${bad}, outside the codebook 0..${this.codebookSize - 1}`);
    });
    if (codes.length === 0) return Tensor.zeros([0, 64, 64]);
    const ids = new Tensor("int64", [codes.length, n], BigInt64Array.from(codes.flat(), (c) => BigInt(c))); // [B, 16]
    return (await this.runner.run({ codes: ids })).masks; // [B, 64, 64]
  }

  async dispose(): Promise<void> {
    await this.runner.dispose();
    await this.kernels.dispose();
  }
}
