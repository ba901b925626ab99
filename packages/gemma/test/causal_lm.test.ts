/**
 * causal_lm.test.ts — Gemma as a plain causal LM (reference kernels, random weights): cached
 * decoding equals a full forward, "last" logits, causality, batch independence, Gemma 2's final
 * soft-cap and which layers are windowed, cache capacity.
 */
import { KVCache, type WeightSpec } from "@paligemma-ts/core";
import { ReferenceKernels, Tensor, TensorParams, maxAbsDiff, randNormal, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import { GemmaForCausalLM, GemmaModel, type GemmaTextConfig, gemmaConfig, gemmaWeightSpecs } from "../src/index.ts";

/** Random weights for every spec (norm weights small so 1 + w stays near 1). */
function randomParams(c: GemmaTextConfig, seed: number): TensorParams {
  const rng = seededRng(seed);
  const specs: WeightSpec[] = gemmaWeightSpecs(c, "model.");
  return new TensorParams(new Map(specs.map((s) => [s.name, randNormal(s.shape, rng, s.shape.length === 1 ? 0.1 : 0.2)])));
}

async function randomModel(c: GemmaTextConfig, seed: number): Promise<GemmaForCausalLM> {
  return new GemmaForCausalLM(await GemmaModel.create(new ReferenceKernels(randomParams(c, seed).get), c, "model."));
}

const small = { vocab_size: 50, hidden_size: 32, intermediate_size: 48, num_hidden_layers: 3, num_attention_heads: 4 };
const configs: [string, GemmaTextConfig][] = [
  ["Gemma MQA, head_dim 12 != 32/4", gemmaConfig({ ...small, num_key_value_heads: 1, head_dim: 12 })],
  ["Gemma 2 GQA 4:2, window 3, soft-caps", gemmaConfig({ ...small, model_type: "gemma2", num_key_value_heads: 2, head_dim: 8, query_pre_attn_scalar: 10, sliding_window: 3, attn_logit_softcapping: 2, final_logit_softcapping: 5 })],
];

describe.each(configs)("GemmaForCausalLM: %s", (_name, c) => {
  const lmP = randomModel(c, 1);
  const ids = [[3, 14, 15, 9, 26, 5, 35, 8], [2, 7, 1, 8, 28, 18, 28, 4]];

  it("decoding token by token with the KV cache equals one full forward", async () => {
    const lm = await lmP;
    const full = await lm.forward(ids); // [2, 8, V]
    const cache = lm.createCache(2, 8);
    const parts = [await lm.forward(ids.map((r) => r.slice(0, 3)), { cache })];
    for (let t = 3; t < 8; t++) parts.push(await lm.forward(ids.map((r) => [r[t]]), { cache }));
    const d = maxAbsDiff(Tensor.concat(parts, 1), full);
    console.log(`${_name}: cached decode vs full forward maxdiff ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-5);
    expect(cache.length).toBe(8);
  });

  it('"last" logits are the last row of "all"; logits are causal', async () => {
    const lm = await lmP;
    const all = await lm.forward(ids);
    const last = await lm.forward(ids, { logits: "last" });
    expect(last.shape).toEqual([2, 1, c.vocab_size]);
    expect(maxAbsDiff(last, all.slice(1, 7, 8))).toBe(0);
    const changed = await lm.forward(ids.map((r) => [...r.slice(0, 7), 0]));
    expect(maxAbsDiff(changed.slice(1, 0, 7), all.slice(1, 0, 7))).toBe(0);
  });

  it("a row's result does not depend on the other rows of the batch", async () => {
    const lm = await lmP;
    const both = await lm.forward(ids);
    expect(maxAbsDiff(both.slice(0, 1, 2), await lm.forward([ids[1]]))).toBeLessThan(1e-6);
  });
});

describe("Gemma 2 specifics", () => {
  const c = configs[1][1];
  const lmP = randomModel(c, 2);
  const ids = [[1, 2, 3, 4, 5, 6, 7]];

  it("final logits are soft-capped into (-cap, cap)", async () => {
    const logits = await (await lmP).forward(ids);
    const m = Math.max(...logits.toArray().map(Math.abs));
    expect(m).toBeLessThan(5);
  });

  it("the sliding window only applies to even layers", async () => {
    // Changing token 0 must reach the last position (6): odd layers are global. With every layer
    // local (window 3, 3 layers deep), the influence of token 0 could only travel 3 * 2 = 6 slots.
    const lm = await lmP;
    const a = await lm.forward(ids);
    const b = await lm.forward([[9, 2, 3, 4, 5, 6, 7]]);
    expect(maxAbsDiff(a.slice(1, 6, 7), b.slice(1, 6, 7))).toBeGreaterThan(0);
    // A single local layer (layer 0) with window 3: position 6 cannot see token 0.
    const one = new GemmaForCausalLM(await GemmaModel.create(new ReferenceKernels(randomParams(c, 2).get), { ...c, num_hidden_layers: 1 } as GemmaTextConfig, "model."));
    const run = (row: number[]) => one.forward([row]);
    expect(maxAbsDiff((await run(ids[0])).slice(1, 6, 7), (await run([9, 2, 3, 4, 5, 6, 7])).slice(1, 6, 7))).toBe(0);
    expect(maxAbsDiff((await run(ids[0])).slice(1, 2, 3), (await run([9, 2, 3, 4, 5, 6, 7])).slice(1, 2, 3))).toBeGreaterThan(0);
  });

  it("cache capacity is enforced", async () => {
    const cache = new KVCache({ numLayers: 3, batch: 1, numKvHeads: 2, headDim: 8, maxLength: 4 });
    await expect((await lmP).forward(ids, { cache })).rejects.toThrow(/exceeds maxLength 4/);
  });
});
