/**
 * paligemma.ts — the PaliGemma model object: load a checkpoint folder, then generate, stream or score.
 *
 * Teaches: how the pieces meet.
 *   open:     config.json (+ HF defaults), tokenizer.model, checkpoint headers, all checked (open.ts)
 *   load:     open -> kernels (reference or ONNX, model_kernels.ts) -> the decoder (GemmaModel) and
 *             vision (SigLIP + projector) compiled block by block on them (runners.ts)
 *   generate: prompts -> "<image>"*N per image, <bos>, prompt "\n" ids; check the request;
 *             images (one or several per prompt) -> pixel_values [I, 3, S, S], row by row; then
 *             greedy / sampling (decodeLoop, generate.ts), beam search (numBeams, beam_search.ts)
 *             or best-of-n sampling (bestOf, best_of_n.ts) -> ids -> text
 *   stream:   the same tokens; each event's text is only what the token adds (TextStreamer: an
 *             unfinished byte-fallback character is held back), and the texts add up to the answer
 *   score:    image + prefix + suffix "<eos>" in one prefix-LM forward; the suffix's mean negative
 *             log-likelihood = mean over suffix tokens of -log softmax(logits[t-1])[ids[t]]
 * Lower-level steps (runVision, projectImages, prefillLogits) are methods too, for tests and lessons.
 *
 * Reference: Hugging Face transformers `PaliGemmaForConditionalGeneration`, `PaliGemmaProcessor`.
 */
import { crossEntropy } from "@paligemma-ts/core";
import { GemmaModel } from "@paligemma-ts/gemma";
import { type PaliGemmaTokenizer, type RgbImage, preprocessImages } from "@paligemma-ts/processor";
import { ArgumentError, Tensor, type Kernels, type Trace } from "@paligemma-ts/tensor";
import type { PaliGemmaConfig } from "./config.ts";
import { type EarlyStopping, type SearchResult, beamSearch, checkBeamOptions } from "./beam_search.ts";
import { bestOfN } from "./best_of_n.ts";
import { type DecodeLoopOptions, type GenerationTimings, checkDecodeRequest, decodeLoop, emptyTimings } from "./generate.ts";
import { leftPadBatch, prefillMask } from "./inputs.ts";
import { mergeImageFeatures } from "./merge.ts";
import type { HubLookup } from "./hub_cache.ts";
import { type KernelOptions, modelKernels } from "./model_kernels.ts";
import { OpenedPaliGemma, checkPositions, promptIds } from "./open.ts";
import { type DecoderRunner, PaliGemmaVision, type VisionRunner } from "./runners.ts";
import { finiteLogits, locateNonFinite } from "./non_finite.ts";
import { TextStreamer } from "./text_streamer.ts";
import { type TokenizerReport, assertPromptSupported, checkTokenizerAgainstConfig } from "./tokenizer_check.ts";

/** How to load: the kernels (backend, device, dtype or an explicit plan, threads, cache) and a progress callback. */
export type LoadOptions = KernelOptions;

/** One prompt's images: an image, or a list (each gets its own N <image> tokens, in order). */
export type PromptImages = RgbImage | readonly RgbImage[];

export interface GenerateRequest {
  /**
   * Per prompt, its image or list of images (decoded RGB, resized here); or pixel_values [I, 3, S, S]
   * holding every prompt's images in row order (string prompts then get I / B images each; id
   * prompts say by their <image> tokens).
   */
  images: readonly PromptImages[] | Tensor;
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
  /** Beam search with this many beams per prompt (beam_search.ts); 1 = greedy by the beam algorithm. */
  numBeams?: number;
  /** Beam search: score = sum log p / length ^ lengthPenalty (default 1). */
  lengthPenalty?: number;
  /** Beam search: stop a prompt when K hypotheses finished (true), by HF's heuristic (false, default) or exactly ("never"). */
  earlyStopping?: EarlyStopping;
  /** Best-of-n: draw n samples per prompt (with the sampling options), keep the highest mean log-probability. */
  bestOf?: number;
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
  /** Beam search: each answer's sum log p / length ^ lengthPenalty; best-of-n: its mean log p. */
  scores?: number[];
  timings: GenerationTimings;
}

export class PaliGemma {
  private constructor(
    readonly config: PaliGemmaConfig,
    readonly tokenizer: PaliGemmaTokenizer,
    readonly vision: VisionRunner,
    /** The decoder as given, without the finite check (after load: the GemmaModel, whose `stats` time its blocks). */
    readonly uncheckedDecoder: DecoderRunner,
    private readonly owned?: { kernels: Kernels; opened: OpenedPaliGemma; closeOpened: boolean },
  ) {
    this.decoder = finiteLogits(uncheckedDecoder); // a NaN in the logits is an error, never an answer (non_finite.ts)
  }

  /** The decoder, its logits checked for NaN / Infinity after every pass. */
  readonly decoder: DecoderRunner;

  /** Read and check config.json, tokenizer.model and the checkpoint headers, without loading weights (open.ts); `model` may be a Hub id (hub_cache.ts). */
  static open(model: string, lookup?: HubLookup): Promise<OpenedPaliGemma> {
    return OpenedPaliGemma.open(model, lookup);
  }

  /**
   * Load a checkpoint folder (or an already opened one): config.json, tokenizer.model, model.safetensors
   * (or sharded). ONNX: weight-cache files that already existed are checksummed while the sessions are
   * created; if one fails, it has been deleted (one line on stderr says so) and the load is redone once,
   * which rebuilds it.
   */
  static async load(model: string | OpenedPaliGemma, options: LoadOptions = {}): Promise<PaliGemma> {
    const opened = typeof model === "string" ? await OpenedPaliGemma.open(model) : model;
    let loaded = await PaliGemma.loadOnce(opened, options, typeof model === "string");
    if ((await loaded.verified).length > 0) {
      await loaded.model.dispose(false);
      loaded = await PaliGemma.loadOnce(opened, options, typeof model === "string");
      await loaded.verified;
    }
    return loaded.model;
  }

  private static async loadOnce(opened: OpenedPaliGemma, options: LoadOptions, closeOpened: boolean): Promise<{ model: PaliGemma; verified: Promise<unknown[]> }> {
    let kernels: Kernels | undefined;
    let verified: Promise<unknown[]> = Promise.resolve([]);
    try {
      const { config, layout } = opened;
      options.onProgress?.({ stage: "check", loaded: 0, total: 1 });
      ({ kernels, verified } = await modelKernels(opened, options));
      const textBlocks = config.text_config.num_hidden_layers + 1;
      const total = textBlocks + config.vision_config.num_hidden_layers + 3;
      const tag = (options.dtype ?? "f32") === "f32" ? "" : ` (${options.dtype})`;
      const progress = (loaded: number, name: string) => options.onProgress?.({ stage: "compile", loaded, total, name: `${name}${tag}` });
      const decoder = await GemmaModel.create(kernels, config.text_config, layout.text, (done, _t, name) => progress(done, name)); // the LM head first: the largest weight
      const vision = await PaliGemmaVision.create(kernels, config, layout, (done, _t, name) => progress(textBlocks + done, name));
      return { model: new PaliGemma(config, opened.tokenizer, vision, decoder, { kernels, opened, closeOpened }), verified };
    } catch (e) {
      await verified.catch(() => []);
      await kernels?.dispose();
      if (closeOpened) opened.close();
      throw e;
    }
  }

  /** Assemble a model from parts (a wrapped runner in a test, random weights in a lesson). */
  static fromRunners(config: PaliGemmaConfig, tokenizer: PaliGemmaTokenizer, vision: VisionRunner, decoder: DecoderRunner): PaliGemma {
    return new PaliGemma(config, tokenizer, vision, decoder);
  }

  /** Every prompt's images, flattened in row order -> pixel_values [I, 3, S, S] at the model's resolution; a Tensor passes through. */
  pixelValues(images: readonly PromptImages[] | Tensor): Tensor {
    if (images instanceof Tensor) return images;
    return preprocessImages(images.flatMap((im) => (isImageList(im) ? [...im] : [im])), this.config.vision_config.image_size);
  }

  /** Prompt ids: "<image>" * N per image (default 1 image), <bos>, prompt + "\n" [, suffix, <eos>]. */
  promptIds(prompt: string, suffix?: string, numImages = 1): { ids: number[]; prefixLength: number } {
    return promptIds(this.tokenizer, this.config, prompt, suffix, numImages);
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
    checkPositions(this.config, rows, 0);
    const features = await this.projectImages(await this.runVision(pixelValues, options.trace));
    const batch = leftPadBatch(rows, this.config.pad_token_id, options.prefixLengths);
    const embeds = mergeImageFeatures(this.decoder.embed(batch.ids), batch.ids, features, this.config.image_token_index);
    const { logits } = await this.decoder.forward({ inputsEmbeds: embeds, positions: batch.positions, mask: prefillMask(batch), cache: null, logits: "all", trace: options.trace });
    return logits!;
  }

  /** Generate answers; resolves when every row has stopped. */
  async generate(request: GenerateRequest): Promise<GenerateResult> {
    const { inputIds, generatedIds, timings, scores } = await this.run(request, (e) => request.onToken?.(e));
    return { inputIds, generatedIds, texts: generatedIds.map((ids) => this.answerText(ids)), ...(scores ? { scores } : {}), timings };
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
   * Score `suffix` as the answer to `prefix` about `images` (one image or a list): mean NLL of the
   * suffix tokens, how many there are (suffixLength: the suffix's tokens + <eos>), the input ids and
   * all logits [T, V]. A suffix given as ids is scored as those exact tokens (no <eos> added): the
   * log-probability of a generated answer is -meanNll * suffixLength.
   */
  async score(images: PromptImages | Tensor, prefix: string, suffix: string | readonly number[]): Promise<{ meanNll: number; suffixLength: number; logits: Tensor; inputIds: number[] }> {
    const list = images instanceof Tensor ? null : isImageList(images) ? [...images] : [images];
    const pixels = list ? this.pixelValues([list]) : (images as Tensor);
    const numImages = list ? list.length : pixels.shape[0];
    let { ids, prefixLength } = this.promptIds(prefix, typeof suffix === "string" ? suffix : undefined, numImages);
    if (typeof suffix !== "string") {
      if (suffix.length === 0) throw new ArgumentError("score: the suffix ids are empty (nothing to score)");
      ids = [...ids, ...suffix];
    }
    const prefill = (trace?: Trace) => this.prefillLogits(pixels, [ids], { prefixLengths: [prefixLength], trace });
    const logits = (await prefill().catch(async (e) => Promise.reject(await locateNonFinite(e, prefill)))).reshape([ids.length, -1]); // [T, V]
    // logits[t - 1] predicts ids[t]: score suffix tokens t = prefixLength .. T-1
    const meanNll = crossEntropy(logits.slice(0, prefixLength - 1, ids.length - 1), ids.slice(prefixLength));
    return { meanNll, suffixLength: ids.length - prefixLength, logits, inputIds: ids };
  }

  /** Release the sessions, the weights they hold, and (unless `closeFiles` is false) the checkpoint files. */
  async dispose(closeFiles = true): Promise<void> {
    await this.vision.dispose();
    await this.decoder.dispose();
    await this.owned?.kernels.dispose();
    if (closeFiles && this.owned?.closeOpened) this.owned.opened.close();
  }

  /** Decoded answer: drop a final eos and special tokens. */
  private answerText(ids: readonly number[]): string {
    const stop = new Set(this.config.eos_token_ids);
    const body = ids.length > 0 && stop.has(ids[ids.length - 1]) ? ids.slice(0, -1) : ids;
    return this.tokenizer.decode(body, { skipSpecialTokens: true });
  }

  private report?: TokenizerReport;

  /** What the tokenizer can spell (loc / seg pieces), checked once against the config. */
  get tokenizerReport(): TokenizerReport {
    return (this.report ??= checkTokenizerAgainstConfig(this.tokenizer, this.config));
  }

  /** Prompt ids per row: a string prompt gets "<image>" x N for each of its images. */
  private requestIds(request: GenerateRequest): number[][] {
    const { images, prompts } = request;
    const B = prompts.length;
    const perRow = (b: number): number => {
      if (!(images instanceof Tensor)) return images[b] !== undefined && isImageList(images[b]) ? (images[b] as readonly RgbImage[]).length : 1;
      const I = images.shape[0];
      if (I % B !== 0) throw new ArgumentError(`generate: ${I} images for ${B} prompts: with pixel_values and text prompts every prompt takes I / B images (give token-id prompts, or lists of images, for uneven counts)`);
      return I / B;
    };
    if (!(images instanceof Tensor) && images.length !== B) throw new ArgumentError(`generate: ${images.length} images (or image lists) for ${B} prompts (need one entry per prompt)`);
    return prompts.map((p, b) => (typeof p === "string" ? this.promptIds(p, undefined, perRow(b)).ids : [...p]));
  }

  private async run(request: GenerateRequest, emit: (e: TokenEvent) => void) {
    try {
      return await this.decode(request, emit);
    } catch (e) {
      // NaN / Infinity logits: say where they began (a traced prefill of the same rows)
      throw await locateNonFinite(e, (trace) => this.prefillLogits(this.pixelValues(request.images), this.requestIds(request), { trace }));
    }
  }

  private async decode(request: GenerateRequest, emit: (e: TokenEvent) => void) {
    for (const p of request.prompts) if (typeof p === "string") assertPromptSupported(p, this.tokenizerReport); // "detect"/"segment" need <loc>/<seg> pieces
    const sampling = { temperature: request.temperature, topK: request.topK, topP: request.topP };
    const stopTokenIds = request.ignoreEos ? [] : this.config.eos_token_ids;
    const base = { maxNewTokens: request.maxNewTokens ?? 32, seed: request.seed, stopTokenIds };
    const inputIds = this.requestIds(request);
    const options: DecodeLoopOptions = { ...base, ...sampling }; // temperature 0 = greedy (sampleToken)
    const timings = emptyTimings();
    const streamers = inputIds.map(() => new TextStreamer((ids) => this.answerText(ids)));
    const generatedIds: number[][] = inputIds.map(() => []);
    const searched = request.numBeams !== undefined || request.bestOf !== undefined;
    if (searched) {
      // Whole answers at once: emit their tokens afterwards, in order.
      const result = await this.search(request, inputIds, options, timings);
      result.ids.forEach((ids, row) => ids.forEach((tokenId, i) => emit({ row, tokenId, text: streamers[row].push(tokenId) + (i === ids.length - 1 ? streamers[row].flush() : "") })));
      return { inputIds, generatedIds: result.ids, timings, scores: result.scores };
    }
    const pixelValues = this.pixelValues(request.images);
    for await (const { row, tokenId, last } of decodeLoop({ vision: this.vision, decoder: this.decoder, config: this.config, pixelValues, rows: inputIds, timings, ...options })) {
      generatedIds[row].push(tokenId);
      const text = streamers[row].push(tokenId) + (last ? streamers[row].flush() : "");
      emit({ row, tokenId, text });
    }
    return { inputIds, generatedIds, timings, scores: undefined };
  }

  /** Beam search or best-of-n (checked before the images are preprocessed). */
  private async search(request: GenerateRequest, rows: number[][], options: DecodeLoopOptions, timings: GenerationTimings): Promise<SearchResult> {
    if (request.numBeams !== undefined && request.bestOf !== undefined) throw new ArgumentError("generate: numBeams (beam search) and bestOf (best-of-n sampling) cannot be combined");
    checkDecodeRequest(this.config, rows, options);
    const common = { vision: this.vision, decoder: this.decoder, config: this.config, rows, timings, maxNewTokens: options.maxNewTokens, stopTokenIds: options.stopTokenIds };
    if (request.numBeams !== undefined) {
      checkBeamOptions({ numBeams: request.numBeams, lengthPenalty: request.lengthPenalty, earlyStopping: request.earlyStopping });
      if (options.temperature || options.topK || options.topP) throw new ArgumentError("generate: beam search is deterministic; drop temperature / topK / topP (or use bestOf for sampling)");
      return beamSearch({ ...common, pixelValues: this.pixelValues(request.images), numBeams: request.numBeams, lengthPenalty: request.lengthPenalty, earlyStopping: request.earlyStopping });
    }
    return bestOfN({ ...common, pixelValues: this.pixelValues(request.images), bestOf: request.bestOf!, seed: options.seed, temperature: options.temperature, topK: options.topK, topP: options.topP });
  }
}

/** An image list (several images for one prompt) rather than one image. */
function isImageList(x: PromptImages): x is readonly RgbImage[] {
  return Array.isArray(x);
}
