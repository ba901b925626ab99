import { ConfigError } from "@paligemma-ts/core";
import { describe, expect, it } from "vitest";
import { loadPaliGemmaConfig, paliGemmaConfig } from "../src/index.ts";
import { fixtureDir } from "./fixtures.ts";

describe("paliGemmaConfig", () => {
  it("PaliGemma 1 fixture: Gemma defaults filled (config.json leaves them out)", () => {
    const c = loadPaliGemmaConfig(fixtureDir("paligemma-tiny"));
    expect(c.text_config.model_type).toBe("gemma");
    expect(c.text_config.rms_norm_eps).toBe(1e-6);
    expect(c.text_config.rope_theta).toBe(10000);
    expect(c.text_config.max_position_embeddings).toBe(8192);
    expect(c.vision_config.layer_norm_eps).toBe(1e-6);
    expect(c.num_image_tokens).toBe(16);
    expect(c.image_token_index).toBe(1800);
    expect(c.eos_token_ids).toEqual([1]);
  });

  it("PaliGemma 2 fixture: text hidden size differs from the top-level one; eos list", () => {
    const c = loadPaliGemmaConfig(fixtureDir("paligemma2-tiny"));
    expect(c.text_config.model_type).toBe("gemma2");
    expect(c.hidden_size).toBe(2048);
    expect(c.text_config.hidden_size).toBe(64);
    expect(c.num_image_tokens).toBe(4);
    expect(c.eos_token_ids).toEqual([1, 107]);
  });

  it("Hugging Face defaults for a minimal config (real PaliGemma 1 style)", () => {
    const c = paliGemmaConfig({
      image_token_index: 257152,
      projection_dim: 2048,
      text_config: { hidden_size: 2048, intermediate_size: 16384, num_attention_heads: 8, num_hidden_layers: 18, num_key_value_heads: 1, vocab_size: 257216 },
      vision_config: { hidden_size: 1152, intermediate_size: 4304, num_attention_heads: 16, num_hidden_layers: 27, patch_size: 14 },
    });
    expect(c.vision_config.image_size).toBe(224);
    expect(c.num_image_tokens).toBe(256);
    expect(c.text_config.head_dim).toBe(256);
    expect([c.pad_token_id, c.bos_token_id, c.eos_token_ids]).toEqual([0, 2, [1]]);
    const g = paliGemmaConfig({ eos_token_id: 1 }, { eos_token_id: [1, 107] });
    expect(g.eos_token_ids).toEqual([1, 107]); // generation_config.json adds stop ids
  });

  it("names what is wrong", () => {
    expect(() => paliGemmaConfig({ projection_dim: 100, text_config: { hidden_size: 64 } })).toThrow(/projection_dim 100 must equal text_config.hidden_size 64/);
    expect(() => paliGemmaConfig({ model_type: "llava" })).toThrow(/model_type "llava"/);
    expect(() => paliGemmaConfig({ eos_token_id: ["x"] })).toThrow(/eos_token_id/);
    expect(() => paliGemmaConfig({ image_token_index: 300000 })).toThrow(/image_token_index must be a token id in \[0, text_config.vocab_size 257152\), got 300000/);
    expect(() => loadPaliGemmaConfig("/nonexistent/model")).toThrow(/cannot read \/nonexistent\/model\/config.json/);
  });

  it.each([
    [{ hidden_size: 0 }, /config.json: hidden_size must be a positive integer, got 0/],
    [{ projection_dim: -64, text_config: { hidden_size: 64 } }, /config.json: projection_dim must be a positive integer/],
    [{ image_token_index: -1 }, /config.json: image_token_index must be a token id/],
    [{ pad_token_id: 1e9 }, /config.json: pad_token_id must be a token id in \[0, text_config.vocab_size 257152\), got 1000000000/],
    [{ bos_token_id: 2.5 }, /config.json: bos_token_id must be a token id/],
    [{ eos_token_id: 300000 }, /eos_token_id must be a token id in \[0, text_config.vocab_size 257152\), got 300000/],
    [{ text_config: { rms_norm_eps: 0 } }, /text_config.rms_norm_eps must be a finite number > 0/],
    [{ vision_config: { patch_size: 0 } }, /vision_config.patch_size must be a positive integer/],
  ] as [Record<string, unknown>, RegExp][])("range-checks %j, naming the field", (json, message) => {
    expect(() => paliGemmaConfig(json)).toThrow(ConfigError);
    expect(() => paliGemmaConfig(json)).toThrow(message);
  });

  it("an eos id from generation_config.json outside the vocabulary is refused too", () => {
    expect(() => paliGemmaConfig({}, { eos_token_id: [1, 999999] })).toThrow(/generation_config.json\): eos_token_id must be a token id/);
  });
});
