/**
 * paligemma.ts — the PaliGemma model object: load a checkpoint folder, then generate, stream or score.
 *
 * Teaches: how the pieces meet.
 *   load:     config.json (+ HF defaults) -> tokenizer.model -> checked weights -> vision/decoder backends
 *   generate: prompts -> "<image>"*N <bos> prompt "\n" ids; check the request (generate.ts);
 *             images -> pixel_values [B, 3, S, S]; decodeLoop (generate.ts) -> ids -> text
 *   stream:   the same tokens; each event's text is only what the token adds (TextStreamer: an
 *             unfinished byte-fallback character is held back), and the texts add up to the answer
 *   score:    image + prefix + suffix "<eos>" in one prefix-LM forward; the suffix's mean negative
 *             log-likelihood = mean over suffix tokens of -log softmax(logits[t-1])[ids[t]]
 * Lower-level steps (runVision, projectImages, prefillLogits) are methods too, for tests and lessons.
 *
 * Reference: Hugging Face transformers `PaliGemmaForConditionalGeneration`, `PaliGemmaProcessor`.
 */
import { crossEntropy, isGreedy } from "@paligemma-ts/core";
import { PaliGemmaTokenizer, type RgbImage, buildPrompt, preprocessImages } from "@paligemma-ts/processor";
import { ArgumentError, Tensor } from "@paligemma-ts/tensor";
import type { BackendName, DecoderBackend, DeviceName, Trace, VisionBackend } from "./backends.ts";
import { type PaliGemmaConfig, loadPaliGemmaConfig } from "./config.ts";
import { type DecodeLoopOptions, type GenerationTimings, checkDecodeRequest, decodeLoop, emptyTimings } from "./generate.ts";
import { leftPadBatch, prefillMask } from "./inputs.ts";
import { type LoadProgress, loadPaliGemmaWeights } from "./load.ts";
import { mergeImageFeatures } from "./merge.ts";
import { type WeightDType, loadOnnxBackends } from "./onnx_backend.ts";
import { ReferenceDecoderBackend, ReferenceVisionBackend } from "./reference_backend.ts";
import { TextStreamer } from "./text_streamer.ts";

export interface LoadOptions {
  /** "onnx" (default: fused onnxruntime sessions) or "reference" (plain TypeScript, the spec). */
  backend?: BackendName;
  /** "cpu" (default) or "cuda" (ONNX backend; the reference backend always runs on the CPU and says so once on stderr). */
  device?: DeviceName;
  /** ONNX backend only: weights "f32" (default), "int8" (fastest first token) or "int4" (fastest decode, least memory); both quantize the vision tower to int8 (see onnx_backend.ts). */
  dtype?: WeightDType;
  /**
   * dtype "int8" only: decoder linears kept MatMulNBits int4, e.g. ["mlp.down_proj"] (the CLI's
   * `--dtype int8-lowmem`): 0.24 GB less peak RSS at the 3B shape for ~0.7 s more prefill and a
   * larger quality cost (fixtures: prefill logits max-abs 0.54-0.83 vs 0.21-0.52; bench/README.md).
   */
  int4Linears?: string[];
  onProgress?: (e: LoadProgress) => void;
}

export interface GenerateRequest {
  /** One image per prompt: decoded RGB images (resized here) or pixel_values [B, 3, S, S]. */
  images: RgbImage[] | Tensor;
  /** One prompt string per image, or full input ids per row (image tokens, <bos>, prompt, "\n"). */
  prompts: string[] | number[][];
  /** Default 32. A non-negative integer; prompt length + maxNewTokens <= text_config.max_position_embeddings. */
  maxNewTokens?: number;
  /** Sampling: all unset (or temperature 0) = greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  /** Keep going past eos (always produce maxNewTokens tokens). */
  ignoreEos?: boolean;
  onToken?: (e: TokenEvent) => void;
}

export interface TokenEvent {
  row: number;
  tokenId: number;
  /**
   * The text this token adds to the row's answer, never repeating earlier text: "" for special ids
   * and while a byte-fallback character is unfinished (it arrives whole with the byte completing
   * it); a row's last event also carries any unfinished rest. Concatenated: the row's `texts` entry.
   */
  text: string;
}

export interface GenerateResult {
  inputIds: number[][];
  generatedIds: number[][];
  /** Decoded answers, without the eos and special tokens. */
  texts: string[];
  timings: GenerationTimings;
}

export class PaliGemma {
  private constructor(
    readonly config: PaliGemmaConfig,
    readonly tokenizer: PaliGemmaTokenizer,
    readonly vision: VisionBackend,
    readonly decoder: DecoderBackend,
  ) {}

  /** Load a checkpoint folder: config.json, tokenizer.model, model.safetensors (or sharded). */
  static async load(dir: string, options: LoadOptions = {}): Promise<PaliGemma> {
    const backend = options.backend ?? "onnx"; // the fast path; "reference" is the readable spec
    if (backend !== "reference" && backend !== "onnx") throw new ArgumentError(`PaliGemma.load: backend must be "reference" or "onnx", got ${JSON.stringify(backend)}`);
    if (backend === "reference" && (options.dtype ?? "f32") !== "f32") throw new ArgumentError(`PaliGemma.load: dtype "${options.dtype}" needs backend "onnx" (the reference backend is float32)`);
    const device = options.device ?? "cpu";
    if (device !== "cpu" && device !== "cuda") throw new ArgumentError(`PaliGemma.load: device must be "cpu" or "cuda", got ${JSON.stringify(device)}`);
    if (backend === "reference" && device === "cuda") noteReferenceIgnoresCuda(); // it runs anyway, on the CPU
    const config = loadPaliGemmaConfig(dir);
    const tokenizer = await PaliGemmaTokenizer.load(dir, { imageTokenId: config.image_token_index });
    if (backend === "onnx") {
      const { vision, decoder } = await loadOnnxBackends(dir, config, { device: options.device, dtype: options.dtype, int4Linears: options.int4Linears, onProgress: options.onProgress });
      return new PaliGemma(config, tokenizer, vision, decoder);
    }
    const weights = loadPaliGemmaWeights(dir, config, options.onProgress);
    return new PaliGemma(config, tokenizer, new ReferenceVisionBackend(weights, config), new ReferenceDecoderBackend(weights, config));
  }

  /** Assemble a model from parts (a custom backend, random weights in a lesson). */
  static fromBackends(config: PaliGemmaConfig, tokenizer: PaliGemmaTokenizer, vision: VisionBackend, decoder: DecoderBackend): PaliGemma {
    return new PaliGemma(config, tokenizer, vision, decoder);
  }

  /** RGB images -> pixel_values [B, 3, S, S] at the model's resolution; a Tensor passes through. */
  pixelValues(images: RgbImage[] | Tensor): Tensor {
    if (!Array.isArray(images)) return images;
    return preprocessImages(images, this.config.vision_config.image_size);
  }

  /** Prompt ids for one prompt (no suffix): "<image>" * N, <bos>, prompt + "\n". */
  promptIds(prompt: string, suffix?: string): { ids: number[]; prefixLength: number } {
    const p = buildPrompt(this.tokenizer, { prefix: prompt, suffix, numImageTokens: this.config.num_image_tokens });
    return { ids: p.inputIds, prefixLength: p.tokenTypeIds.filter((t) => t === 0).length };
  }

  /** SigLIP last_hidden_state [B, N, Dv]. */
  runVision(pixelValues: Tensor, trace?: Trace): Promise<Tensor> {
    return this.vision.encode(pixelValues, trace);
  }

  /** Projector output image_features [B, N, Ht] (before the merge scale). */
  projectImages(visionHidden: Tensor): Promise<Tensor> {
    return this.vision.project(visionHidden);
  }

  /**
   * Logits at every position [B, L, V] for a prefill of `rows` (unpadded ids, left-padded here) with
   * prefixLengths[b] leading prefix tokens (default: the whole row, as for generation).
   */
  async prefillLogits(pixelValues: Tensor, rows: readonly (readonly number[])[], options: { prefixLengths?: number[]; trace?: Trace } = {}): Promise<Tensor> {
    const features = await this.projectImages(await this.runVision(pixelValues, options.trace));
    const batch = leftPadBatch(rows, this.config.pad_token_id, options.prefixLengths);
    const embeds = mergeImageFeatures(await this.decoder.embed(batch.ids), batch.ids, features, this.config.image_token_index);
    const { logits } = await this.decoder.forward({ inputsEmbeds: embeds, positions: batch.positions, mask: prefillMask(batch), cache: null, logits: "all", trace: options.trace });
    return logits;
  }

  /** Generate answers; resolves when every row has stopped. */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const { inputIds, generatedIds, timings } = await this.run(request, (e) => request.onToken?.(e));
    return { inputIds, generatedIds, texts: generatedIds.map((ids) => this.answerText(ids)), timings };
  }

  /** The same generation as an async stream of tokens (rows interleaved, in step order). */
  async *stream(request: GenerateRequest): AsyncIterable<TokenEvent> {
    const queue: TokenEvent[] = [];
    let wake: (() => void) | null = null;
    let finished = false;
    let failure: unknown = null;
    this.run(request, (e) => {
      queue.push(e);
      wake?.();
    }).then(
      () => (finished = true),
      (err) => ((failure = err), (finished = true)),
    ).finally(() => wake?.());
    while (true) {
      if (queue.length > 0) {
        yield queue.shift()!;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  }

  /**
   * Score `suffix` as the answer to `prefix` about `image`: mean NLL of the suffix tokens, how many
   * there are (suffixLength: the suffix's tokens + <eos>), the input ids and all logits [T, V].
   */
  async score(image: RgbImage | Tensor, prefix: string, suffix: string): Promise<{ meanNll: number; suffixLength: number; logits: Tensor; inputIds: number[] }> {
    const pixels = this.pixelValues(image instanceof Tensor ? image : [image]);
    const { ids, prefixLength } = this.promptIds(prefix, suffix);
    const logits = (await this.prefillLogits(pixels, [ids], { prefixLengths: [prefixLength] })).reshape([ids.length, -1]); // [T, V]
    // logits[t - 1] predicts ids[t]: score suffix tokens t = prefixLength .. T-1
    const meanNll = crossEntropy(logits.slice(0, prefixLength - 1, ids.length - 1), ids.slice(prefixLength));
    return { meanNll, suffixLength: ids.length - prefixLength, logits, inputIds: ids };
  }

  async dispose(): Promise<void> {
    await this.vision.dispose();
    await this.decoder.dispose();
  }

  /** Decoded answer: drop a final eos and special tokens. */
  private answerText(ids: readonly number[]): string {
    const stop = new Set(this.config.eos_token_ids);
    const body = ids.length > 0 && stop.has(ids[ids.length - 1]) ? ids.slice(0, -1) : ids;
    return this.tokenizer.decode(body, { skipSpecialTokens: true });
  }

  private async run(request: GenerateRequest, emit: (e: TokenEvent) => void) {
    const sampling = { temperature: request.temperature, topK: request.topK, topP: request.topP };
    const base = { maxNewTokens: request.maxNewTokens ?? 32, seed: request.seed, stopTokenIds: request.ignoreEos ? [] : this.config.eos_token_ids };
    const inputIds = request.prompts.map((p) => (typeof p === "string" ? this.promptIds(p).ids : [...p]));
    checkDecodeRequest(this.config, inputIds, { ...base, ...sampling }); // every argument and the positions, before images and vision
    const options: DecodeLoopOptions = { ...base, ...(isGreedy(sampling) ? {} : sampling) }; // temperature 0 = greedy
    const pixels = this.pixelValues(request.images);
    const generatedIds: number[][] = inputIds.map(() => []);
    const streamers = inputIds.map(() => new TextStreamer((ids) => this.answerText(ids)));
    const timings = emptyTimings();
    for await (const { row, tokenId, last } of decodeLoop(this.vision, this.decoder, this.config, pixels, inputIds, options, timings)) {
      generatedIds[row].push(tokenId);
      const text = streamers[row].push(tokenId) + (last ? streamers[row].flush() : "");
      emit({ row, tokenId, text });
    }
    return { inputIds, generatedIds, timings };
  }
}

/** The reference backend is plain TypeScript on the CPU: say once per process that it ignores "cuda". */
let notedReferenceCuda = false;
function noteReferenceIgnoresCuda(): void {
  if (notedReferenceCuda) return;
  notedReferenceCuda = true;
  process.stderr.write("paligemma: the reference backend is plain TypeScript and runs on the CPU; it ignores --device cuda\n");
}
