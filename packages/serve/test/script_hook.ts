/**
 * script_hook.ts — a LoadSpec.modelHook for tests: the decoder still runs (the KV cache fills as
 * usual), but its logits are replaced so that greedy decoding writes `data.ids`, then `data.eos`,
 * whatever the image and prompt. The tiny fixtures' random weights never write a whole segment
 * answer ("<loc>x4 <seg>x16 label"); with this hook a test asks the real server for one.
 */
import type { DecoderRunner, VisionRunner } from "@paligemma-ts/paligemma";
import { Tensor } from "@paligemma-ts/tensor";

export default function hook(runners: { vision: VisionRunner; decoder: DecoderRunner }, data: { ids: number[]; eos: number }) {
  let step = 0;
  const inner = runners.decoder;
  const decoder: DecoderRunner = {
    embed: (ids) => inner.embed(ids),
    createCache: (batch, maxLength) => inner.createCache(batch, maxLength),
    async forward(input) {
      const out = await inner.forward(input);
      if (input.inputsEmbeds.shape[1] > 1) step = 0; // a prefill: a new answer starts
      if (!out.logits) return out;
      const [B, T, V] = out.logits.shape;
      const next = data.ids[step++] ?? data.eos;
      const logits = new Float32Array(B * T * V);
      for (let r = 0; r < B * T; r++) logits[r * V + next] = 10; // every row, every position
      return { logits: new Tensor("float32", [B, T, V], logits) };
    },
    dispose: () => inner.dispose(),
  };
  return { vision: runners.vision, decoder };
}
