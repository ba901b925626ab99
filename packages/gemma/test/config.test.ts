import { ConfigError } from "@paligemma-ts/core";
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

  // Each row: a field set to a value that passes the JSON type check but not the range.
  it.each([
    [{ rms_norm_eps: 0 }, /text_config.rms_norm_eps must be a finite number > 0, got 0/],
    [{ rms_norm_eps: -1e-6 }, /text_config.rms_norm_eps must be a finite number > 0/],
    [{ rms_norm_eps: JSON.parse("1e400") }, /text_config.rms_norm_eps must be a finite number > 0, got Infinity/],
    [{ rope_theta: 0 }, /text_config.rope_theta must be a finite number > 0/],
    [{ rope_theta: -10000 }, /text_config.rope_theta/],
    [{ max_position_embeddings: 0 }, /text_config.max_position_embeddings must be a positive integer, got 0/],
    [{ max_position_embeddings: 8192.5 }, /text_config.max_position_embeddings must be a positive integer/],
    [{ hidden_size: 1e300 }, /text_config.hidden_size must be a positive integer, got 1e\+300/],
    [{ vocab_size: 100, bos_token_id: 100 }, /text_config.bos_token_id must be a token id in \[0, vocab_size 100\), got 100/],
    [{ pad_token_id: -1 }, /text_config.pad_token_id must be a token id/],
    [{ vocab_size: 100, eos_token_id: [1, 107] }, /text_config.eos_token_id must be a token id in \[0, vocab_size 100\), got 107/],
    [{ model_type: "gemma2", query_pre_attn_scalar: 0 }, /text_config.query_pre_attn_scalar must be a finite number > 0/],
    [{ model_type: "gemma2", attn_logit_softcapping: 0 }, /text_config.attn_logit_softcapping must be null or a finite number > 0, got 0/],
    [{ model_type: "gemma2", final_logit_softcapping: -30 }, /text_config.final_logit_softcapping must be null or a finite number > 0/],
    [{ model_type: "gemma2", sliding_window: 0 }, /text_config.sliding_window \(null = no window\) must be a positive integer, got 0/],
    [{ model_type: "gemma2", sliding_window: 40.5 }, /text_config.sliding_window/],
  ] as [Record<string, unknown>, RegExp][])("range-checks %j", (json, message) => {
    expect(() => gemmaConfig(json)).toThrow(ConfigError);
    expect(() => gemmaConfig(json)).toThrow(message);
  });

  it("an explicit null soft-cap or window turns it off (Python None), a left-out one gets the default", () => {
    const c = gemmaConfig({ model_type: "gemma2", attn_logit_softcapping: null, final_logit_softcapping: null, sliding_window: null });
    if (c.model_type !== "gemma2") throw new Error("expected gemma2");
    expect([c.attn_logit_softcapping, c.final_logit_softcapping, c.sliding_window]).toEqual([null, null, null]);
    expect(slidingWindowOf(c, 0)).toBe(null);
    const d = gemmaConfig({ model_type: "gemma2" });
    if (d.model_type !== "gemma2") throw new Error("expected gemma2");
    expect([d.attn_logit_softcapping, d.final_logit_softcapping, d.sliding_window]).toEqual([50, 30, 4096]);
  });
});
