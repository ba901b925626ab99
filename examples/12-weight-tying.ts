/**
 * 12-weight-tying.ts — Gemma's LM head is its embedding table transposed: logits = h E^T. Shown on
 * the tiny PaliGemma checkpoint (no lm_head tensor is stored; the logits of GemmaModel on the
 * reference kernels equal a hand-written h E^T exactly), then what tying saves at the real
 * 257216 x 2048 shape.
 *
 * Run: pnpm example 12       Lesson: docs/12-weight-tying.md
 */
import { ReferenceKernels, Tensor, TensorParams, embedding, matmul, maxAbsDiff } from "@paligemma-ts/tensor";
import { attentionMask } from "@paligemma-ts/core";
import { GemmaModel } from "@paligemma-ts/gemma";
import { PaliGemma, paliGemmaConfig, paliGemmaWeightSpecs } from "@paligemma-ts/paligemma";

const DIR = "fixtures/paligemma-tiny";

// 1. The checkpoint stores ONE [V, H] table and no lm_head (PaliGemma.open reads the headers only).
const opened = await PaliGemma.open(DIR);
const ckpt = opened.checkpoint;
const names = ckpt.names();
const E_NAME = `${opened.layout.text}embed_tokens.weight`; // "language_model.model.embed_tokens.weight"
console.log(`${DIR}: ${names.length} tensors; ${E_NAME} [${ckpt.info(E_NAME).shape}]`);
console.log(`tensors named like "lm_head": ${names.filter((n) => n.includes("lm_head")).length}`);

const c = opened.config.text_config;
const E = ckpt.read(E_NAME).to("float32"); // [V, H]
const [V, H] = E.shape;

// 2. Input side: an embedding lookup is a row gather, i.e. one-hot(ids) @ E.
const ids = [2, 1570, 1434, 1784, 5, 9]; // <bos> and a few text tokens
const gathered = embedding([ids], E); // [1, T, H]
const oneHot = new Float32Array(ids.length * V);
ids.forEach((id, t) => (oneHot[t * V + id] = 1));
const viaMatmul = matmul(new Tensor("float32", [ids.length, V], oneHot), E); // [T, V] @ [V, H] -> [T, H]
console.log(`\nembedding(ids, E) [${gathered.shape}] equals one_hot(ids) @ E [${viaMatmul.shape}]: max |diff| ${maxAbsDiff(gathered.reshape([ids.length, H]), viaMatmul)}`);

// 3. Output side: run the decoder (reference kernels), catch its final-norm hidden states with the
//    trace, then multiply them by E^T ourselves. The model's head is `linear(h, { weight: E_NAME })`.
const model = await GemmaModel.create(new ReferenceKernels(TensorParams.fromCheckpoint(ckpt).get), c, opened.layout.text);
const T = ids.length;
const traces = new Map<string, Tensor>();
const out = await model.forward({
  inputsEmbeds: gathered,
  positions: [ids.map((_, t) => t)],
  mask: attentionMask({ queryLength: T, keyLength: T }), // causal
  logits: "all",
  trace: (name, t) => traces.set(name, t),
});
const h = traces.get("text.final_norm")!.reshape([T, H]); // final-norm hidden states [T, H]
const logits = out.logits!.reshape([T, V]); // the model's logits [T, V]
const byHand = matmul(h, E.transpose()); // [T, H] @ [H, V] -> [T, V]
console.log(`hidden states [${h.shape}] @ E^T [${E.transpose().shape}] = logits [${byHand.shape}]`);
console.log(`model logits vs h @ E^T: max |diff| ${maxAbsDiff(logits, byHand)}`);
const last = h.slice(0, T - 1, T).reshape([H]).toFloat32();
const next = logits.slice(0, T - 1, T).reshape([V]);
const top = Array.from(next.toFloat32()).reduce((b, v, i, a) => (v > a[b] ? i : b), 0);
const row = E.slice(0, top, top + 1).reshape([H]).toFloat32();
const dot = last.reduce((s, v, d) => s + v * row[d], 0);
console.log(`last position: top token ${top}, its logit ${next.get(top).toFixed(4)} = h . E[${top}] = ${dot.toFixed(4)}`);
console.log(`(weights are random: the token is arbitrary; the identity is the point)`);
await model.dispose();
opened.close();

// 4. What tying saves at the real shapes (parameter counts from the specs the loader checks).
const real = (text: Record<string, unknown>) =>
  paliGemmaConfig({
    image_token_index: 257152,
    projection_dim: text.hidden_size,
    vision_config: { hidden_size: 1152, intermediate_size: 4304, num_hidden_layers: 27, num_attention_heads: 16, patch_size: 14, image_size: 224 },
    text_config: { vocab_size: 257216, num_attention_heads: 8, head_dim: 256, ...text },
  });
const models = [
  ["paligemma-3b-pt-224", real({ model_type: "gemma", hidden_size: 2048, intermediate_size: 16384, num_hidden_layers: 18, num_key_value_heads: 1 })],
  ["paligemma2-3b-pt-224", real({ model_type: "gemma2", hidden_size: 2304, intermediate_size: 9216, num_hidden_layers: 26, num_key_value_heads: 4 })],
] as const;
const fmtB = (n: number) => `${(n / 1e9).toFixed(2)} GB`;
console.log(`\n${"model".padEnd(22)} ${"embedding [V, H]".padEnd(16)} ${"params".padStart(7)} ${"total".padStart(7)} ${"share".padStart(6)} ${"saved bf16".padStart(10)} ${"saved f32".padStart(10)}`);
for (const [name, cfg] of models) {
  const total = paliGemmaWeightSpecs(cfg).reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  const [v, hd] = [cfg.text_config.vocab_size, cfg.text_config.hidden_size];
  const emb = v * hd;
  const cols = [`${(emb / 1e6).toFixed(1)}M`.padStart(7), `${(total / 1e9).toFixed(3)}B`.padStart(7), `${((100 * emb) / total).toFixed(1)}%`.padStart(6), fmtB(emb * 2).padStart(10), fmtB(emb * 4).padStart(10)];
  console.log(`${name.padEnd(22)} ${`[${v}, ${hd}]`.padEnd(16)} ${cols.join(" ")}`);
}
console.log(`an untied head would add ${(257216 * 2048).toLocaleString("en-US")} more parameters to paligemma-3b`);
