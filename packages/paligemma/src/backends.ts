/**
 * backends.ts — the two seams between PaliGemma's orchestration and the math that runs it.
 *
 * Teaches: generation is a loop around two very different workloads.
 *   VisionBackend   runs once per image (never during decoding): SigLIP + projector.
 *   DecoderBackend  runs once for the prompt (prefill) and once per new token (decode), reading and
 *                   appending the KV cache.
 * Everything else (prompt layout, merging image features, masks, positions, sampling, stopping) is
 * plain TS shared by every backend, so a faster backend only has to reproduce these few calls. The
 * reference backend (reference_backend.ts) is readable TS over @paligemma-ts/{siglip,gemma}; an ONNX
 * backend (one session per SigLIP block / Gemma layer) implements the same interfaces: its decoder
 * gets the cache as a core `KVCache` whose filled part is one contiguous time-major subarray per
 * layer ([T, B, Hkv, D], passed to onnxruntime as a zero-copy view) and appends each layer's new
 * rows with `LayerKVCache.appendRows`.
 *
 * Contract of DecoderBackend.forward (same as gemmaForward): inputsEmbeds [B, T, H] are the merged
 * embeddings BEFORE the sqrt(hidden) normalizer; positions [B][T] are RoPE positions; mask is additive
 * [B, 1, T, cache.length + T]; the T new keys/values are appended to the cache; logits are [B, T, V]
 * for "all", [B, 1, V] for "last".
 */
import type { KVCache } from "@paligemma-ts/core";
import type { GemmaForwardInput } from "@paligemma-ts/gemma";
import { PaliGemmaError, type Tensor } from "@paligemma-ts/tensor";

export type BackendName = "reference" | "onnx";
export type DeviceName = "cpu" | "cuda";

/** Called with intermediate tensors, names as in the golden traces ("vision.layer0", "text.layer1.output", ...). */
export type Trace = (name: string, value: Tensor) => void;

export interface VisionBackend {
  readonly name: BackendName;
  /** pixel_values [B, C, S, S] -> SigLIP last_hidden_state [B, N, Dv]. */
  encode(pixelValues: Tensor, trace?: Trace): Promise<Tensor>;
  /** Multimodal projector: [B, N, Dv] -> image_features [B, N, Ht] (before the merge's 1/sqrt(Ht)). */
  project(visionHidden: Tensor): Promise<Tensor>;
  dispose(): Promise<void>;
}

export type DecoderInput = GemmaForwardInput & { logits: "all" | "last" };

export interface DecoderBackend {
  readonly name: BackendName;
  /** Raw embedding rows for ids [B][T] -> [B, T, H] (no scaling). */
  embed(ids: readonly (readonly number[])[]): Promise<Tensor>;
  /** A preallocated KV cache for `batch` rows and up to `maxLength` slots. */
  createCache(batch: number, maxLength: number): KVCache;
  /** One decoder pass (prefill or decode step); see the header. */
  forward(input: DecoderInput): Promise<{ logits: Tensor }>;
  dispose(): Promise<void>;
}

/** A backend or device that is not available (yet, or on this machine). */
export class BackendUnavailableError extends PaliGemmaError {
  constructor(message: string) {
    super("E_BACKEND", message);
  }
}
