import { describe, expect, it } from "vitest";
import { attentionScale, embeddingNormalizer, eosTokenIds, gemmaConfig, slidingWindowOf } from "../src/index.ts";

describe("gemmaConfig", () => {
  it("fills Hugging Face GemmaConfig defaults", () => {
    const c = gemmaConfig({ hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 1 });
    expect(c.model_type).toBe("gemma");
    expect(c.head_dim).toBe(256);
    expect(c.rms_norm_eps).toBe(1e-6);
    expect(c.rope_theta).toBe(10000);
    expect(c.max_position_embeddings).toBe(8192);
    expect(c.tie_word_embeddings).toBe(true);
    expect(eosTokenIds(c)).toEqual([1]);
    expect(attentionScale(c)).toBe(1 / 16);
  });

  it("fills Gemma2Config defaults and reads its extras", () => {
    const c = gemmaConfig({ model_type: "gemma2", eos_token_id: [1, 107] });
    if (c.model_type !== "gemma2") throw new Error("expected gemma2");
    expect([c.hidden_size, c.num_attention_heads, c.num_key_value_heads, c.head_dim]).toEqual([2304, 8, 4, 256]);
    expect([c.query_pre_attn_scalar, c.attn_logit_softcapping, c.final_logit_softcapping, c.sliding_window]).toEqual([256, 50, 30, 4096]);
    expect(eosTokenIds(c)).toEqual([1, 107]);
    expect([0, 1, 2, 3].map((i) => slidingWindowOf(c, i))).toEqual([4096, null, 4096, null]);
    expect(embeddingNormalizer(c)).toBe(48);
    expect(attentionScale(gemmaConfig({ model_type: "gemma2", query_pre_attn_scalar: 144 }))).toBe(1 / 12);
  });

  it("names the bad field", () => {
    expect(() => gemmaConfig({ model_type: "llama" })).toThrow(/model_type "llama"/);
    expect(() => gemmaConfig({ eos_token_id: "x" })).toThrow(/text_config.eos_token_id/);
    expect(() => gemmaConfig({ num_attention_heads: 6, num_key_value_heads: 4 })).toThrow(/multiple of num_key_value_heads/);
    expect(() => gemmaConfig({ head_dim: 2.5 })).toThrow(/text_config.head_dim must be a positive integer/);
  });
});
