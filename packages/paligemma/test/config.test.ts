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
    expect(() => paliGemmaConfig({ image_token_index: 300000 })).toThrow(/image_token_index 300000 is outside/);
    expect(() => loadPaliGemmaConfig("/nonexistent/model")).toThrow(/cannot read \/nonexistent\/model\/config.json/);
  });
});
