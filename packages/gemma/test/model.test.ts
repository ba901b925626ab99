/**
 * model.test.ts — the Gemma decoder (each layer written once against Ops) on both kernel sets.
 *
 * 1. Golden: on both fixtures (float32 in place / bfloat16 widened), reference and onnx kernels: each
 *    layer block maps the PyTorch trace input to the trace output, the whole forward reproduces the
 *    final norm and every prefill logit, within max-abs 1e-4.
 * 2. Random weights, awkward configs, onnx vs reference kernels through a prefill with a prefix-LM
 *    mask and left padding (batch 2) and then decode steps reading the KV cache: head_dim !=
 *    hidden/heads, GQA ratio 4, MQA, Gemma 2 soft-caps and query_pre_attn_scalar, a sliding window
 *    (3) smaller than the sequence. Tolerance 5e-5 on logits of size O(1..10); the KV caches of both
 *    paths agree to 1e-5; embedding rows read from the file equal the table's rows exactly.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KVCache, attentionMask, rotaryTables } from "@paligemma-ts/core";
import { Checkpoint, CheckpointWeights, OnnxKernels, ReferenceKernels, Tensor, TensorParams, checkpointKernels, div, maxAbsDiff, randNormal, releaseAllSessions, seededRng, writeSafetensors } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { GemmaModel, embeddingNormalizer, gemmaBlocks, gemmaConfig, gemmaWeightSpecs, slidingWindowOf } from "../src/index.ts";
import { fixture, openFixture } from "./fixtures.ts";

afterAll(() => releaseAllSessions());
const TOL = 1e-4; // max-abs vs the PyTorch float32 reference

describe.each(["paligemma-tiny", "paligemma2-tiny"])("Gemma golden parity: %s", (name) => {
  const { config, ckpt, golden } = openFixture(name);
  const c = gemmaConfig(config.text_config);
  const g = (n: string) => golden.read(n).to("float32");
  const input0 = g("trace.text.layer0.input"); // [T, H], already * sqrt(H)
  const T = input0.shape[0];
  const positions = [Array.from({ length: T }, (_, t) => t + 1)]; // PaliGemma: 1-based
  const mask = attentionMask({ queryLength: T, prefixEnd: T }); // prefill of a prompt: bidirectional

  it.each(["reference", "onnx"] as const)("%s kernels: each layer maps the reference input to the reference output within 1e-4", async (kind) => {
    const kernels = checkpointKernels(kind, ckpt);
    const blocks = gemmaBlocks(c).slice(1); // the layers (block 0 is the head)
    const { cos, sin } = rotaryTables(positions, c.head_dim, c.rope_theta);
    const empty = new Tensor("float32", [1, 0, c.num_key_value_heads * c.head_dim], new Float32Array(0));
    for (const [i, block] of blocks.entries()) {
      expect(slidingWindowOf(c, i) ?? Infinity).toBeGreaterThanOrEqual(T); // the fixture's window (4096) never bites
      const layer = await kernels.compile(block);
      const out = await layer.run({ hidden_states: g(`trace.text.layer${i}.input`).reshape([1, T, c.hidden_size]), cos, sin, attention_mask: mask, past_key: empty, past_value: empty });
      const d = maxAbsDiff(out.hidden_states_out, g(`trace.text.layer${i}.output`));
      console.log(`${name} ${kind} text.layer${i}: maxdiff ${d.toExponential(2)}`);
      expect(d, `layer ${i}`).toBeLessThan(TOL);
      expect(out.new_key.shape).toEqual([T, 1, c.num_key_value_heads * c.head_dim]); // time-major rows for the cache
      await layer.dispose();
    }
  });

  it.each(["reference", "onnx"] as const)("%s kernels: the forward's traces, final norm and every prefill logit within 1e-4", async (kind) => {
    const model = await GemmaModel.create(checkpointKernels(kind, ckpt), c);
    const traces = new Map<string, Tensor>();
    const { logits } = await model.forward({ inputsEmbeds: div(input0, embeddingNormalizer(c)).reshape([1, T, c.hidden_size]), positions, mask, logits: "all", trace: (n, t) => traces.set(n, t) });
    for (const k of Object.keys(JSON.parse(readFileSync(fixture(name, "golden.json"), "utf8")).tensors).filter((k) => k.startsWith("trace.text."))) {
      const d = maxAbsDiff(traces.get(k.slice(6))!, g(k));
      expect(d, k).toBeLessThan(TOL);
    }
    const d = maxAbsDiff(logits!, g("case0.prefill_logits"));
    console.log(`${name} ${kind} case0.prefill_logits: maxdiff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(TOL);
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

describe.each(Object.entries(AWKWARD))("Gemma onnx vs reference kernels on random weights: %s", (_, json) => {
  const c = gemmaConfig(json);
  const dir = mkdtempSync(join(tmpdir(), "gemma-"));
  const rng = seededRng(11);
  const tensors: Record<string, Tensor> = {};
  for (const s of gemmaWeightSpecs(c)) tensors[s.name] = randNormal(s.shape, rng, s.name.includes("norm") ? 0.3 : 0.25);
  writeSafetensors(join(dir, "model.safetensors"), tensors);
  const ckpt = Checkpoint.open(join(dir, "model.safetensors"));
  afterAll(() => {
    ckpt.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("prefill (prefix-LM, left padding, batch 2) then 4 decode steps: logits within 5e-5, caches within 1e-5", async () => {
    const onnx = await GemmaModel.create(new OnnxKernels(new CheckpointWeights(ckpt)), c);
    const ref = await GemmaModel.create(new ReferenceKernels(new TensorParams(tensors).get), c);
    const L = 7; // row 1 is left-padded by 2
    const ids = [[5, 9, 2, 7, 1, 3, 8], [0, 0, 4, 6, 2, 9, 1]];
    const keyMask = [[1, 1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1, 1]];
    const positions = [[1, 2, 3, 4, 5, 6, 7], [1, 1, 1, 2, 3, 4, 5]];
    const prefixEnd = [4, 5];
    const embeds = onnx.embed(ids); // rows read from model.safetensors
    expect(maxAbsDiff(embeds, ref.embed(ids))).toBe(0);
    expect(maxAbsDiff(embeds.slice(0, 1, 2).reshape([L, c.hidden_size]), tensors["language_model.model.embed_tokens.weight"].gather(ids[1]))).toBe(0);
    const caches: KVCache[] = [ref.createCache(2, L + 4), onnx.createCache(2, L + 4)];
    const check = (what: string, a: Tensor, b: Tensor, tol: number) => {
      const d = maxAbsDiff(a, b);
      console.log(`${json.model_type} H=${c.num_attention_heads}/${c.num_key_value_heads} D=${c.head_dim} ${what}: maxdiff ${d.toExponential(2)}`);
      expect(d, what).toBeLessThan(tol);
    };
    let mask = attentionMask({ queryLength: L, keyLength: L, prefixEnd, keyMask });
    const want = await ref.forward({ inputsEmbeds: embeds, positions, mask, cache: caches[0], logits: "all" });
    const got = await onnx.forward({ inputsEmbeds: embeds, positions, mask, cache: caches[1], logits: "all" });
    check("prefill logits", got.logits!, want.logits!, 5e-5);
    for (let step = 0; step < 4; step++) {
      const slot = L + step;
      for (const m of keyMask) m.push(1);
      mask = attentionMask({ queryLength: 1, keyLength: slot + 1, prefixEnd, keyMask });
      const pos = positions.map((p) => [p[p.length - 1] + step + 1]);
      const e = onnx.embed([[step + 3], [step + 10]]);
      const r = await ref.forward({ inputsEmbeds: e, positions: pos, mask, cache: caches[0], logits: "last" });
      const o = await onnx.forward({ inputsEmbeds: e, positions: pos, mask, cache: caches[1], logits: "last" });
      check(`decode step ${step} logits`, o.logits!, r.logits!, 5e-5);
    }
    for (const [i, l] of caches[1].layers.entries()) {
      expect(l.length).toBe(L + 4);
      check(`layer ${i} cached keys`, Tensor.from(l.keys), Tensor.from(caches[0].layers[i].keys), 1e-5);
      check(`layer ${i} cached values`, Tensor.from(l.values), Tensor.from(caches[0].layers[i].values), 1e-5);
    }
    await onnx.dispose();
  });

  it("a mask of the wrong key length is refused naming the expected shape", async () => {
    const ref = await GemmaModel.create(new ReferenceKernels(new TensorParams(tensors).get), c);
    await expect(ref.forward({ inputsEmbeds: ref.embed([[1, 2]]), positions: [[1, 2]], mask: attentionMask({ queryLength: 2, keyLength: 3 }) })).rejects.toThrow(/\[B, 1, 2, 2\]/);
  });
});
