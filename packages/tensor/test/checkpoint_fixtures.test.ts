/**
 * Loads every tensor of the two tiny fixture checkpoints, checks each shape against what
 * config.json implies, and checks values against the golden activations next to them:
 *   image_features           = linear(vision_last_hidden_state, projector W, b)
 *   trace.vision.embeddings  = conv2d(pixel_values, patch W, b, stride = patch) + position embedding
 *   vision_last_hidden_state = layerNorm(trace.vision.layer{L-1}, post_layernorm, eps)
 * Tolerance 1e-4 max-abs (float32 reference, bf16 weights converted exactly to f32).
 */
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { Checkpoint, type DType, SafetensorsFile, add, conv2d, f32ToBf16, layerNorm, linear } from "../src/index.ts";
import { expectClose as expectCloseQuiet } from "./expect_close.ts";

const fixture = (name: string, file: string) => fileURLToPath(new URL(`../../../fixtures/${name}/${file}`, import.meta.url));
const ATOL = 1e-4;

/** Like expectClose, but always prints the max-abs diff: these are the numbers a reader wants to see. */
function expectClose(a: Parameters<typeof expectCloseQuiet>[0], b: Parameters<typeof expectCloseQuiet>[1], atol: number, label: string): void {
  console.log(`${label}: maxAbsDiff ${expectCloseQuiet(a, b, atol, label).toExponential(3)} (atol ${atol})`);
}

interface Cfg {
  torch_dtype: string;
  projection_dim: number;
  text_config: Record<string, number>;
  vision_config: Record<string, number>;
}

/** Every weight name the config implies, with its shape (defaults as in the HF config classes). */
function expectedShapes(cfg: Cfg, modelType: string): Map<string, number[]> {
  const t = cfg.text_config;
  const H = t.hidden_size, I = t.intermediate_size, nh = t.num_attention_heads, hd = t.head_dim ?? 256;
  const nkv = t.num_key_value_heads ?? nh;
  const v = cfg.vision_config;
  const Dv = v.hidden_size, Iv = v.intermediate_size, C = v.num_channels ?? 3, p = v.patch_size, img = v.image_size ?? 224;
  const m = new Map<string, number[]>();
  const lm = "language_model.model.";
  m.set(`${lm}embed_tokens.weight`, [t.vocab_size, H]);
  m.set(`${lm}norm.weight`, [H]);
  const norms = modelType === "gemma2" ? ["input_layernorm", "post_attention_layernorm", "pre_feedforward_layernorm", "post_feedforward_layernorm"] : ["input_layernorm", "post_attention_layernorm"];
  for (let l = 0; l < t.num_hidden_layers; l++) {
    const L = `${lm}layers.${l}.`;
    for (const n of norms) m.set(`${L}${n}.weight`, [H]);
    m.set(`${L}self_attn.q_proj.weight`, [nh * hd, H]);
    m.set(`${L}self_attn.k_proj.weight`, [nkv * hd, H]);
    m.set(`${L}self_attn.v_proj.weight`, [nkv * hd, H]);
    m.set(`${L}self_attn.o_proj.weight`, [H, nh * hd]);
    m.set(`${L}mlp.gate_proj.weight`, [I, H]);
    m.set(`${L}mlp.up_proj.weight`, [I, H]);
    m.set(`${L}mlp.down_proj.weight`, [H, I]);
  }
  const vm = "vision_tower.vision_model.";
  m.set(`${vm}embeddings.patch_embedding.weight`, [Dv, C, p, p]);
  m.set(`${vm}embeddings.patch_embedding.bias`, [Dv]);
  m.set(`${vm}embeddings.position_embedding.weight`, [(img / p) ** 2, Dv]);
  for (let l = 0; l < v.num_hidden_layers; l++) {
    const L = `${vm}encoder.layers.${l}.`;
    for (const n of ["layer_norm1", "layer_norm2"]) for (const w of ["weight", "bias"]) m.set(`${L}${n}.${w}`, [Dv]);
    for (const proj of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
      m.set(`${L}self_attn.${proj}.weight`, [Dv, Dv]);
      m.set(`${L}self_attn.${proj}.bias`, [Dv]);
    }
    m.set(`${L}mlp.fc1.weight`, [Iv, Dv]);
    m.set(`${L}mlp.fc1.bias`, [Iv]);
    m.set(`${L}mlp.fc2.weight`, [Dv, Iv]);
    m.set(`${L}mlp.fc2.bias`, [Dv]);
  }
  m.set(`${vm}post_layernorm.weight`, [Dv]);
  m.set(`${vm}post_layernorm.bias`, [Dv]);
  m.set("multi_modal_projector.linear.weight", [cfg.projection_dim, Dv]);
  m.set("multi_modal_projector.linear.bias", [cfg.projection_dim]);
  return m;
}

describe.each([
  ["paligemma-tiny", "gemma", "float32"],
  ["paligemma2-tiny", "gemma2", "bfloat16"],
] as const)("fixture %s", (name, textType, dtype: DType) => {
  const cfg = JSON.parse(fs.readFileSync(fixture(name, "config.json"), "utf8")) as Cfg;

  it(`config says ${textType} / ${dtype}`, () => {
    expect(cfg.text_config.model_type as unknown).toBe(textType);
    expect(cfg.torch_dtype).toBe(dtype);
  });

  it("every tensor loads with the shape config.json implies, nothing missing, nothing extra", () => {
    const ckpt = Checkpoint.open(fixture(name, ""));
    const expected = expectedShapes(cfg, textType);
    expect(ckpt.names().sort()).toEqual([...expected.keys()].sort());
    expect(ckpt.metadata).toEqual({ format: "pt" });
    for (const n of ckpt.names()) {
      const t = ckpt.read(n);
      expect(t.dtype, n).toBe(dtype);
      expect([...t.shape], n).toEqual(expected.get(n));
      const values = t.toFloat32();
      expect(values.every(Number.isFinite), `${n} has non-finite values`).toBe(true);
      if (dtype === "bfloat16") {
        // bf16 -> f32 is exact: converting back gives the same bits.
        const bits = t.data as Uint16Array;
        expect(values.every((x, i) => f32ToBf16(x) === bits[i]), n).toBe(true);
      }
    }
    // the projector maps the vision width to the text width; the embedding is tied (no lm_head)
    expect(cfg.projection_dim).toBe(cfg.text_config.hidden_size);
    expect(ckpt.has("language_model.lm_head.weight")).toBe(false);
    ckpt.close();
  });

  it("projector: linear(vision_last_hidden_state, W, b) == image_features", () => {
    const ckpt = Checkpoint.open(fixture(name, "model.safetensors"));
    const golden = SafetensorsFile.open(fixture(name, "golden.safetensors"));
    const hidden = golden.read("vision_last_hidden_state"); // [N, Dv]
    const features = golden.read("image_features"); // [N, Dt]
    expect(features.shape[1]).toBe(cfg.text_config.hidden_size);
    const y = linear(hidden, ckpt.read("multi_modal_projector.linear.weight"), ckpt.read("multi_modal_projector.linear.bias"));
    expectClose(y, features, ATOL, `${name} projector`);
    ckpt.close();
    golden.close();
  });

  it("patch embedding: conv2d(pixel_values) + position embedding == trace.vision.embeddings", () => {
    const ckpt = Checkpoint.open(fixture(name, "model.safetensors"));
    const golden = SafetensorsFile.open(fixture(name, "golden.safetensors"));
    const vm = "vision_tower.vision_model.embeddings.";
    const p = cfg.vision_config.patch_size;
    const patches = conv2d(golden.read("pixel_values"), ckpt.read(`${vm}patch_embedding.weight`), ckpt.read(`${vm}patch_embedding.bias`), { stride: p }); // [1, Dv, h, w]
    const [, Dv, h, w] = patches.shape;
    const tokens = patches.reshape([Dv, h * w]).transpose(); // [N, Dv], row-major patch order
    const embeddings = add(tokens, ckpt.read(`${vm}position_embedding.weight`));
    expectClose(embeddings, golden.read("trace.vision.embeddings"), ATOL, `${name} embeddings`);
    ckpt.close();
    golden.close();
  });

  it("post_layernorm: layerNorm(last encoder layer) == vision_last_hidden_state", () => {
    const ckpt = Checkpoint.open(fixture(name, "model.safetensors"));
    const golden = SafetensorsFile.open(fixture(name, "golden.safetensors"));
    const last = golden.read(`trace.vision.layer${cfg.vision_config.num_hidden_layers - 1}`);
    const eps = cfg.vision_config.layer_norm_eps ?? 1e-6;
    const vm = "vision_tower.vision_model.post_layernorm.";
    const y = layerNorm(last, ckpt.read(`${vm}weight`), ckpt.read(`${vm}bias`), eps);
    expectClose(y, golden.read("vision_last_hidden_state"), ATOL, `${name} post_layernorm`);
    ckpt.close();
    golden.close();
  });
});
