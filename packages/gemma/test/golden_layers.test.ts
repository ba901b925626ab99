/**
 * Gemma decoder vs the PyTorch reference, layer by layer, on the PaliGemma fixtures' first prompt
 * (prefill: image + prompt, all bidirectional, 1-based positions). A mismatch shows the first layer
 * where it starts.
 */
import { attentionMask, rotaryTables } from "@paligemma-ts/core";
import { type Tensor, div, maxAbsDiff } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { embeddingNormalizer, gemma2DecoderLayer, gemmaConfig, gemmaDecoderLayer, gemmaForward, gemmaLmHead, gemmaWeights, slidingWindowOf } from "../src/index.ts";
import { openFixture } from "./fixtures.ts";

const TOL = 1e-4; // max-abs vs the PyTorch float32 reference

describe.each(["paligemma-tiny", "paligemma2-tiny"])("Gemma golden parity: %s", (name) => {
  const { config, ckpt, golden } = openFixture(name);
  const c = gemmaConfig(config.text_config);
  const w = gemmaWeights((n) => ckpt.read(n).to("float32"), c);
  const g = (n: string) => golden.read(n).to("float32");
  const input0 = g("trace.text.layer0.input"); // [T, H], already * sqrt(H)
  const T = input0.shape[0];
  const positions = [Array.from({ length: T }, (_, t) => t + 1)]; // PaliGemma: 1-based
  const mask = attentionMask({ queryLength: T, prefixEnd: T }); // prefill of a prompt: bidirectional

  it("each layer maps the reference input to the reference output within 1e-4", () => {
    const layer = c.model_type === "gemma2" ? gemma2DecoderLayer : gemmaDecoderLayer;
    for (let i = 0; i < c.num_hidden_layers; i++) {
      const x = g(`trace.text.layer${i}.input`).reshape([1, T, c.hidden_size]);
      const local = slidingWindowOf(c, i);
      expect(local === null || local >= T).toBe(true); // the fixture's window (4096) never bites
      const y = layer(x, w.layers[i], c, { mask, rope: rotaryTables(positions, c.head_dim, c.rope_theta), cache: null });
      const d = maxAbsDiff(y, g(`trace.text.layer${i}.output`));
      console.log(`${name} text.layer${i}: maxdiff ${d.toExponential(2)}`);
      expect(d, `layer ${i}`).toBeLessThan(TOL);
    }
  });

  it("final norm and tied LM head (with Gemma 2's soft-cap) reproduce the prefill logits", () => {
    const traces = new Map<string, Tensor>();
    const embeds = div(input0, embeddingNormalizer(c)).reshape([1, T, c.hidden_size]);
    const out = gemmaForward(w, c, { inputsEmbeds: embeds, positions, mask, logits: "all", trace: (n, t) => traces.set(n, t) });
    const dNorm = maxAbsDiff(traces.get("text.final_norm")!, g("trace.text.final_norm"));
    const dLogits = maxAbsDiff(out.logits!, g("case0.prefill_logits"));
    const dHead = maxAbsDiff(gemmaLmHead(g("trace.text.final_norm"), w, c), g("case0.prefill_logits"));
    console.log(`${name} final_norm: maxdiff ${dNorm.toExponential(2)}; logits: ${dLogits.toExponential(2)}; head only: ${dHead.toExponential(2)}`);
    expect(dNorm).toBeLessThan(TOL);
    expect(dHead).toBeLessThan(TOL);
    expect(dLogits).toBeLessThan(TOL);
  });
});
