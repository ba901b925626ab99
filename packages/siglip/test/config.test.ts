// siglipVisionConfig: Hugging Face defaults, and every numeric field range-checked by name.
import { ConfigError } from "@paligemma-ts/core";
import { describe, expect, it } from "vitest";
import { MAX_IMAGE_SIZE, numPatches, siglipVisionConfig } from "../src/index.ts";

describe("siglipVisionConfig", () => {
  it("fills SiglipVisionConfig defaults", () => {
    const c = siglipVisionConfig({ patch_size: 14 });
    expect([c.image_size, c.layer_norm_eps, c.hidden_size, c.num_channels]).toEqual([224, 1e-6, 768, 3]);
    expect(numPatches(c)).toBe(256);
  });

  it.each([
    [{ layer_norm_eps: 0 }, /vision_config.layer_norm_eps must be a finite number > 0, got 0/],
    [{ layer_norm_eps: -1 }, /vision_config.layer_norm_eps/],
    [{ layer_norm_eps: JSON.parse("1e999") }, /vision_config.layer_norm_eps must be a finite number > 0, got Infinity/],
    [{ image_size: 0 }, /vision_config.image_size must be a positive integer <= 8192, got 0/],
    [{ image_size: 224.5 }, /vision_config.image_size must be a positive integer/],
    [{ image_size: 16384, patch_size: 16 }, /vision_config.image_size must be a positive integer <= 8192, got 16384/],
    [{ patch_size: 0 }, /vision_config.patch_size must be a positive integer, got 0/],
    [{ patch_size: -14 }, /vision_config.patch_size/],
    [{ hidden_size: 0 }, /vision_config.hidden_size must be a positive integer/],
    [{ num_attention_heads: 0 }, /vision_config.num_attention_heads must be a positive integer/],
    [{ num_hidden_layers: 1.5 }, /vision_config.num_hidden_layers must be a positive integer/],
    [{ intermediate_size: -1 }, /vision_config.intermediate_size/],
    [{ num_channels: 0 }, /vision_config.num_channels/],
  ] as [Record<string, unknown>, RegExp][])("range-checks %j", (json, message) => {
    expect(() => siglipVisionConfig(json)).toThrow(ConfigError);
    expect(() => siglipVisionConfig(json)).toThrow(message);
  });

  it("the image_size cap is documented as 8192", () => {
    expect(MAX_IMAGE_SIZE).toBe(8192);
    expect(siglipVisionConfig({ image_size: 8192, patch_size: 16 }).image_size).toBe(8192);
  });
});
