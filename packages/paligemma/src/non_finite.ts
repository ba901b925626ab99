/**
 * non_finite.ts — no NaN answers: every decoder pass's logits are checked, and a failure says where
 * the first non-finite value appeared.
 *
 * Teaches: NaN weights (a corrupt or badly converted checkpoint) or an overflowing activation do not
 * stop a float32 model; greedy argmax over NaN logits still returns an id and a mean over NaN is
 * `NaN` (JSON: `null`). So the decoder is wrapped once: after each forward its logits must be finite
 * (one pass over [B, T, V], small next to the matmuls that made them), else a NonFiniteError. Its
 * message then names the first traced tensor that was not finite (vision.embeddings, vision.layerN,
 * text.layerN.input / .output, text.final_norm), found by running the prefill again with a trace:
 * paid only on failure.
 *
 * Reference: PyTorch `torch.autograd.detect_anomaly` (locate the first op that produced a NaN).
 */
import type { DecoderRunner } from "./runners.ts";
import { NonFiniteError, type Trace, assertFinite, firstNonFinite } from "@paligemma-ts/tensor";

/** `decoder`, with its logits checked after every forward (NonFiniteError "decoder logits (prefill | decode ...)"). */
export function finiteLogits(decoder: DecoderRunner): DecoderRunner {
  return {
    embed: (ids) => decoder.embed(ids),
    createCache: (batch, maxLength) => decoder.createCache(batch, maxLength),
    async forward(input) {
      const before = input.cache?.length ?? 0; // cached slots before this pass
      const out = await decoder.forward(input);
      if (out.logits) assertFinite(out.logits, before === 0 ? "decoder logits (prefill)" : `decoder logits (decode, ${before} cached positions)`);
      return out;
    },
    dispose: () => decoder.dispose(),
  };
}

/** The name of the first traced tensor holding a NaN or +-Infinity during `run(trace)`, or null (errors of the run are ignored). */
export async function firstNonFiniteTrace(run: (trace: Trace) => Promise<unknown>): Promise<string | null> {
  let first: string | null = null;
  const trace: Trace = (name, value) => {
    if (first === null && firstNonFinite(value.toFloat32()) >= 0) first = name;
  };
  await run(trace).catch(() => undefined); // the traced run fails the same way; only the trace matters
  return first;
}

/** `e`, with the first non-finite traced tensor of `rerun` added to its message when it is a NonFiniteError. */
export async function locateNonFinite(e: unknown, rerun: (trace: Trace) => Promise<unknown>): Promise<unknown> {
  if (!(e instanceof NonFiniteError)) return e;
  const first = await firstNonFiniteTrace(rerun);
  const where = first ? `first non-finite output: ${first}` : "every traced layer output of the prefill was finite";
  return new NonFiniteError(e.where, `${e.message}; ${where}`);
}
