/**
 * gemma_onnx.test.ts — the fused ONNX decoder (one session per layer + LM head) vs the reference.
 *
 * 1. Golden: on both fixtures (float32 in place / bfloat16 converted) every layer maps the PyTorch
 *    trace input to the trace output, and the logits match, within max-abs 1e-4.
 * 2. Random weights, awkward configs, the whole forward vs gemmaForward through a prefill with a
 *    prefix-LM mask and left padding (batch 2) and then decode steps reading the KV cache:
 *    head_dim != hidden/heads, GQA ratio 4, MQA, Gemma 2 soft-caps and query_pre_attn_scalar, and a
 *    sliding window (3) smaller than the sequence. Tolerance 5e-5 on logits of size O(1..10), and
 *    the KV caches of both paths must agree to 1e-5.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KVCache, attentionMask } from "@paligemma-ts/core";
import { Checkpoint, CheckpointWeights, Tensor, div, maxAbsDiff, randNormal, seededRng, writeSafetensors } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { GemmaOnnx, embeddingNormalizer, gemmaConfig, gemmaForward, gemmaWeightSpecs, gemmaWeights } from "../src/index.ts";
import { fixture, openFixture } from "./fixtures.ts";


describe.each(["paligemma-tiny", "paligemma2-tiny"])("ONNX Gemma golden parity: %s", (name) => {
  const { config, ckpt, golden } = openFixture(name);
  const c = gemmaConfig(config.text_config);
  const g = (n: string) => golden.read(n).to("float32");

  it("layer traces, final norm and prefill logits within 1e-4", async () => {
    const model = await GemmaOnnx.create(c, new CheckpointWeights(ckpt));
    const input0 = g("trace.text.layer0.input"); // [T, H], already * sqrt(H)
    const T = input0.shape[0];
    const traces = new Map<string, Tensor>();
    const { logits } = await model.forward({
      inputsEmbeds: div(input0, embeddingNormalizer(c)).reshape([1, T, c.hidden_size]),
      positions: [Array.from({ length: T }, (_, t) => t + 1)],
      mask: attentionMask({ queryLength: T, prefixEnd: T }),
      logits: "all",
      trace: (n, t) => traces.set(n, t),
    });
    for (const k of Object.keys(JSON.parse(readFileSync(fixture(name, "golden.json"), "utf8")).tensors).filter((k) => k.startsWith("trace.text."))) {
      const d = maxAbsDiff(traces.get(k.slice(6))!, g(k));
      console.log(`${name} onnx ${k.slice(6)}: maxdiff ${d.toExponential(2)}`);
      expect(d, k).toBeLessThan(1e-4);
    }
    const d = maxAbsDiff(logits!, g("case0.prefill_logits"));
    console.log(`${name} onnx case0.prefill_logits: maxdiff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-4);
    await model.dispose();
  });
});

const AWKWARD = {
  "Gemma, head_dim 20 != hidden/heads, GQA ratio 4": { model_type: "gemma", hidden_size: 48, intermediate_size: 72, num_attention_heads: 8, num_key_value_heads: 2, head_dim: 20, num_hidden_layers: 2, vocab_size: 97 },
  "Gemma, MQA (1 kv head), head_dim 64": { model_type: "gemma", hidden_size: 32, intermediate_size: 40, num_attention_heads: 4, num_key_value_heads: 1, head_dim: 64, num_hidden_layers: 2, vocab_size: 61 },
  "Gemma 2, GQA 2, soft-caps, query_pre_attn_scalar 30, sliding window 3": {
    model_type: "gemma2", hidden_size: 40, intermediate_size: 56, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 12, num_hidden_layers: 3, vocab_size: 83,
    query_pre_attn_scalar: 30, attn_logit_softcapping: 5, final_logit_softcapping: 3, sliding_window: 3,
  },
  "Gemma 2, MQA, sliding window 4": {
    model_type: "gemma2", hidden_size: 24, intermediate_size: 32, num_attention_heads: 3, num_key_value_heads: 1, head_dim: 16, num_hidden_layers: 2, vocab_size: 53,
    query_pre_attn_scalar: 16, attn_logit_softcapping: 8, final_logit_softcapping: 10, sliding_window: 4,
  },
};

describe.each(Object.entries(AWKWARD))("ONNX Gemma vs reference on random weights: %s", (_, json) => {
  const c = gemmaConfig(json);
  const dir = mkdtempSync(join(tmpdir(), "gemma-onnx-"));
  const rng = seededRng(11);
  const tensors: Record<string, Tensor> = {};
  for (const s of gemmaWeightSpecs(c)) tensors[s.name] = randNormal(s.shape, rng, s.name.includes("norm") ? 0.3 : 0.25);
  writeSafetensors(join(dir, "model.safetensors"), tensors);
  const ckpt = Checkpoint.open(join(dir, "model.safetensors"));
  const w = gemmaWeights((n) => tensors[n], c);
  afterAll(() => {
    ckpt.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prefill (prefix-LM, left padding, batch 2) then 4 decode steps: logits within 5e-5, caches within 1e-5", async () => {
    const model = await GemmaOnnx.create(c, new CheckpointWeights(ckpt));
    const L = 7; // row 1 is left-padded by 2
    const ids = [[5, 9, 2, 7, 1, 3, 8], [0, 0, 4, 6, 2, 9, 1]];
    const keyMask = [[1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1]];
    const positions = [[1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 2, 3, 4, 5]];
    const prefixEnd = [4, 5];
    const embeds = model.embed(ids);
    expect(maxAbsDiff(embeds, Tensor.from(ids.flat().flatMap((id) => [...tensors["language_model.model.embed_tokens.weight"].toFloat32().subarray(id * c.hidden_size, (id + 1) * c.hidden_size)]), [2, L, c.hidden_size]))).toBe(0);
    const caches: KVCache[] = [model.createCache(2, L + 4), model.createCache(2, L + 4)];
    const check = (what: string, a: Tensor, b: Tensor, tol: number) => {
      const d = maxAbsDiff(a, b);
      console.log(`${json.model_type} H=${c.num_attention_heads}/${c.num_key_value_heads} D=${c.head_dim} ${what}: maxdiff ${d.toExponential(2)}`);
      expect(d, what).toBeLessThan(tol);
    };
    let mask = attentionMask({ queryLength: L, keyLength: L, prefixEnd, keyMask });
    const ref = gemmaForward(w, c, { inputsEmbeds: embeds, positions, mask, cache: caches[0], logits: "all" });
    const got = await model.forward({ inputsEmbeds: embeds, positions, mask, cache: caches[1], logits: "all" });
    check("prefill logits", got.logits!, ref.logits!, 5e-5);
    for (let step = 0; step < 4; step++) {
      const slot = L + step;
      for (const m of keyMask) m.push(1);
      mask = attentionMask({ queryLength: 1, keyLength: slot + 1, prefixEnd, keyMask });
      const pos = positions.map((p) => [p[p.length - 1] + step + 1]);
      const e = model.embed([[step + 3], [step + 10]]);
      const r = gemmaForward(w, c, { inputsEmbeds: e, positions: pos, mask, cache: caches[0], logits: "last" });
      const o = await model.forward({ inputsEmbeds: e, positions: pos, mask, cache: caches[1], logits: "last" });
      check(`decode step ${step} logits`, o.logits!, r.logits!, 5e-5);
    }
    for (const [i, l] of caches[1].layers.entries()) {
      expect(l.length).toBe(L + 4);
      check(`layer ${i} cached keys`, Tensor.from(l.keys), Tensor.from(caches[0].layers[i].keys), 1e-5);
      check(`layer ${i} cached values`, Tensor.from(l.values), Tensor.from(caches[0].layers[i].values), 1e-5);
    }
    await model.dispose();
  });
});
