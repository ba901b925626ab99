/**
 * attention_probe.test.ts — the attention probe (recompute one query's attention from the traced layer
 * input and the KV cache) against a full recompute: the whole answer re-run as one prefill with the
 * reference kernels, every query and key projected again, softmax in plain loops.
 */
import { attentionMask, rotaryTables } from "@paligemma-ts/core";
import { gemmaWeights } from "@paligemma-ts/gemma";
import { loadImage } from "@paligemma-ts/processor";
import { Tensor, linear, rmsNorm, rotaryEmbedding } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { AttentionRecorder, PaliGemma, attentionProbabilities, imageAttentionMap, mergeImageFeatures, windowedMask, type OpenedPaliGemma } from "../src/index.ts";
import { attentionScale } from "@paligemma-ts/gemma";
import { EagerOps } from "@paligemma-ts/tensor";
import { fixtureDir } from "./fixtures.ts";

const open: OpenedPaliGemma[] = [];
afterAll(() => open.forEach((o) => o.close()));

/**
 * Oracle: mean-over-heads attention of query slot `q` at `layer` for a single unpadded row `ids`
 * (prefix-LM: the first `prefixEnd` slots bidirectional), recomputed from scratch.
 */
async function fullRecompute(model: PaliGemma, opened: OpenedPaliGemma, pixels: Tensor, ids: number[], prefixEnd: number, layer: number, q: number): Promise<number[]> {
  const c = model.config.text_config;
  const S = ids.length;
  const features = await model.projectImages(await model.runVision(pixels));
  const embeds = mergeImageFeatures(model.decoder.embed([ids]), [ids], features, model.config.image_token_index);
  const inputs = new Map<string, Tensor>();
  const positions = [ids.map((_, t) => t + 1)];
  await model.decoder.forward({ inputsEmbeds: embeds, positions, mask: attentionMask({ queryLength: S, prefixEnd }), cache: null, logits: "last", trace: (n, t) => inputs.set(n, t) });
  const w = gemmaWeights(c, opened.layout.text).layers[layer];
  const get = (n: string) => opened.checkpoint.read(n).to("float32");
  const hn = rmsNorm(inputs.get(`text.layer${layer}.input`)!, get(w.input_layernorm), c.rms_norm_eps); // [1, S, H]
  const { cos, sin } = rotaryTables(positions, c.head_dim, c.rope_theta);
  const Q = rotaryEmbedding(linear(hn, get(w.self_attn.q.weight)), cos, sin, c.num_attention_heads).toFloat32(); // [1, S, H*D]
  const K = rotaryEmbedding(linear(hn, get(w.self_attn.k.weight)), cos, sin, c.num_key_value_heads).toFloat32(); // [1, S, Hkv*D]
  const { num_attention_heads: H, num_key_value_heads: Hkv, head_dim: D } = c;
  const cap = c.model_type === "gemma2" ? c.attn_logit_softcapping : null;
  const mean = new Array<number>(S).fill(0);
  for (let h = 0; h < H; h++) {
    const g = Math.floor(h / (H / Hkv));
    const s: number[] = [];
    for (let j = 0; j < S; j++) {
      const visible = j < prefixEnd ? q < prefixEnd || j <= q : j <= q; // prefix-LM: causal past the prefix
      let dot = 0;
      for (let d = 0; d < D; d++) dot += Q[q * H * D + h * D + d] * K[j * Hkv * D + g * D + d];
      let v = dot * attentionScale(c);
      if (cap) v = cap * Math.tanh(v / cap);
      s.push(visible ? v : -Infinity);
    }
    const m = Math.max(...s);
    const e = s.map((v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    e.forEach((v, j) => (mean[j] += v / z / H));
  }
  return mean;
}

describe.each(["reference", "onnx"] as const)("attention probe on the %s kernels", (backend) => {
  it.each(["paligemma-tiny", "paligemma2-tiny"])("%s: every generated token, first and last layer, equals the full recompute (two rows, one padded)", async (name) => {
    const opened = await PaliGemma.open(fixtureDir(name));
    open.push(opened);
    const model = await PaliGemma.load(opened, { backend });
    const c = model.config;
    const image = await loadImage(`${fixtureDir(name)}/image.png`);
    const prompts = ["caption en", "answer en what is in the picture?"];
    const recorder = new AttentionRecorder(model.decoder, c.text_config);
    const probed = PaliGemma.fromRunners(c, model.tokenizer, model.vision, recorder);
    const n = 5;
    const result = await probed.generate({ images: [image, image], prompts, maxNewTokens: n, ignoreEos: true });
    expect(recorder.steps).toHaveLength(n);
    const L = Math.max(...result.inputIds.map((r) => r.length));
    const ref = await PaliGemma.load(opened, { backend: "reference" });
    const pixels = ref.pixelValues([image]);
    let worst = 0;
    for (const row of [0, 1]) {
      const prompt = result.inputIds[row];
      const ids = [...prompt, ...result.generatedIds[row].slice(0, n - 1)]; // the tokens fed back in
      for (const layer of [0, c.text_config.num_hidden_layers - 1]) {
        for (let t = 0; t < n; t++) {
          const oracle = await fullRecompute(ref, opened, pixels, ids, prompt.length, layer, prompt.length - 1 + t);
          const got = recorder.imageAttention((nm) => opened.checkpoint.read(nm).to("float32"), opened.layout.text, { row, token: t, layer, firstImageSlot: L - prompt.length, numImageTokens: c.num_image_tokens });
          const want = imageAttentionMap(oracle, 0, c.num_image_tokens);
          for (let i = 0; i < want.values.length; i++) worst = Math.max(worst, Math.abs(got.values[i] - want.values[i]));
          expect(got.side ** 2).toBe(c.num_image_tokens);
          expect(got.imageMass).toBeCloseTo(want.imageMass, 4);
        }
      }
    }
    console.log(`${name} ${backend}: probe vs full recompute max |diff| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(backend === "reference" ? 1e-5 : 1e-4);
    await ref.dispose();
    await model.dispose();
  });
});

describe("probe pieces", () => {
  it("windowedMask hides keys at or past the window, only on Gemma 2's local layers", () => {
    const base = { model_type: "gemma2", sliding_window: 2 } as never;
    const mask = Tensor.zeros([1, 1, 1, 5]);
    expect(windowedMask(base, 0, mask, 4).toArray()).toEqual([-Infinity, -Infinity, -Infinity, 0, 0]);
    expect(windowedMask(base, 1, mask, 4).toArray()).toEqual([0, 0, 0, 0, 0]); // odd layers are global
  });
  it("imageAttentionMap is a square grid, row-major, with its argmax and mass", () => {
    const m = imageAttentionMap([0.5, 0.1, 0.2, 0.05, 0.15], 1, 4);
    expect(m).toEqual({ side: 2, values: [0.1, 0.2, 0.05, 0.15], imageMass: 0.5, max: 0.2, argmax: [0, 1] });
    expect(() => imageAttentionMap([1, 2, 3], 0, 3)).toThrow(/square/);
    expect(() => imageAttentionMap([1, 2, 3, 4], 1, 4)).toThrow(/outside/);
  });
  it("GQA: query heads 0..G-1 use kv head 0 (one key set per group), probabilities sum to 1", () => {
    // 4 query heads on 2 kv heads; kv head 1's keys are all zero so heads 2, 3 attend uniformly.
    const c = { model_type: "gemma", num_attention_heads: 4, num_key_value_heads: 2, head_dim: 2, rms_norm_eps: 1e-6, hidden_size: 8 } as never;
    const weights: Record<string, Tensor> = { ln: Tensor.zeros([8]), q: Tensor.from(Array.from({ length: 64 }, (_, i) => (i % 9 === 0 ? 1 : 0)), [8, 8]) };
    const keys = Tensor.from([1, 0, 0, 0, 0, 1, 0, 0, 3, 0, 0, 0], [1, 3, 4]); // [1, Tk=3, Hkv*D=4]
    const hidden = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 8]);
    const w = { input_layernorm: "ln", self_attn: { q: { weight: "q" } } } as never;
    const ones = Tensor.from([1], [1, 1, 1]);
    const { perHead, mean } = attentionProbabilities(new EagerOps((n) => weights[n]), c, 0, w, { hidden, cos: ones, sin: Tensor.zeros([1, 1, 1]), keys, mask: Tensor.zeros([1, 1, 1, 3]) });
    const p = perHead.toArray();
    expect(p.slice(6, 9).every((v) => Math.abs(v - 1 / 3) < 1e-6)).toBe(true); // head 2: kv head 1, zero keys
    expect(p[0]).not.toBeCloseTo(1 / 3, 3); // head 0 sees kv head 0's distinct keys
    expect(mean.toArray().reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });
});
