/**
 * 16-gemma-decoder.ts — the Gemma decoder end to end, and what changed in Gemma 2, read off the two
 * fixture checkpoints: PaliGemma 1's Gemma (MQA, two norms per layer) and PaliGemma 2's Gemma 2 (GQA,
 * four "sandwich" norms, attention and final soft-caps, sliding-window attention on even layers).
 * Each layer is checked against the PyTorch traces, then Gemma runs as a plain causal LM on token ids.
 *
 * Run: pnpm example 16       Lesson: docs/16-gemma-decoder.md
 */
import { SafetensorsFile, Tensor, maxAbsDiff } from "@paligemma-ts/tensor";
import { attentionMask, rotaryTables, slidingWindowMask, softCap } from "@paligemma-ts/core";
import { GemmaForCausalLM, type GemmaTextConfig, attentionScale, embeddingNormalizer, gemma2DecoderLayer, gemmaConfig, gemmaDecoderLayer, gemmaWeightSpecs, slidingWindowOf } from "@paligemma-ts/gemma";
import { PaliGemmaTokenizer } from "@paligemma-ts/processor";
import { loadPaliGemmaConfig, loadPaliGemmaWeights } from "@paligemma-ts/paligemma";
import { heatmap, panels, savePng } from "@paligemma-ts/examples/plot";

const dirs = ["fixtures/paligemma-tiny", "fixtures/paligemma2-tiny"];
const models = dirs.map((dir) => {
  const config = loadPaliGemmaConfig(dir);
  return { dir, config: config.text_config, weights: loadPaliGemmaWeights(dir, config).text, imageTokenId: config.image_token_index };
});
const [g1, g2] = models;

// 1. The two configs side by side (config.json plus Hugging Face defaults).
const row = (name: string, f: (c: GemmaTextConfig) => unknown) => console.log(`${name.padEnd(26)}${String(f(g1.config)).padEnd(16)}${f(g2.config)}`);
console.log(`${"".padEnd(26)}${"paligemma-tiny".padEnd(16)}paligemma2-tiny`);
row("model_type", (c) => c.model_type);
row("layers x hidden", (c) => `${c.num_hidden_layers} x ${c.hidden_size}`);
row("query heads / kv heads", (c) => `${c.num_attention_heads} / ${c.num_key_value_heads} (${c.num_key_value_heads === 1 ? "MQA" : "GQA"})`);
row("head_dim", (c) => c.head_dim);
row("embedding normalizer", (c) => `sqrt(${c.hidden_size}) = ${embeddingNormalizer(c)}`);
row("norms per layer", (c) => gemmaWeightSpecs(c).filter((s) => /layers\.0\..*layernorm/.test(s.name)).length);
row("attention scale", (c) => (c.model_type === "gemma2" ? `${c.query_pre_attn_scalar}^-0.5` : `${c.head_dim}^-0.5`) + ` = ${attentionScale(c)}`);
row("attention soft-cap", (c) => (c.model_type === "gemma2" ? c.attn_logit_softcapping : "none"));
row("final logit soft-cap", (c) => (c.model_type === "gemma2" ? c.final_logit_softcapping : "none"));
row("sliding window by layer", (c) => Array.from({ length: c.num_hidden_layers }, (_, i) => slidingWindowOf(c, i) ?? "-").join(","));
row("eos ids", (c) => JSON.stringify(c.eos_token_id));
console.log(`Gemma 2 layer 0 norms: ${gemmaWeightSpecs(g2.config).filter((s) => /layers\.0\..*layernorm/.test(s.name)).map((s) => s.name.split(".").at(-2)).join(", ")}`);

// 2. Each decoder layer vs the PyTorch reference (PaliGemma prefill traces: 1-based positions, bidirectional prefix).
for (const m of models) {
  const golden = SafetensorsFile.open(`${m.dir}/golden.safetensors`);
  const c = m.config;
  const x0 = golden.read("trace.text.layer0.input").to("float32");
  const T = x0.shape[0];
  const ctx = { mask: attentionMask({ queryLength: T, prefixEnd: T }), rope: rotaryTables([Array.from({ length: T }, (_, t) => t + 1)], c.head_dim, c.rope_theta), cache: null };
  const layer = c.model_type === "gemma2" ? gemma2DecoderLayer : gemmaDecoderLayer;
  const ok = m.weights.layers.map((w, i) => {
    const y = layer(golden.read(`trace.text.layer${i}.input`).to("float32").reshape([1, T, c.hidden_size]), w, c, ctx);
    return maxAbsDiff(y, golden.read(`trace.text.layer${i}.output`).to("float32")) < 1e-4;
  });
  console.log(`${c.model_type}: ${T} tokens; each of ${ok.length} layers maps PyTorch's input to PyTorch's output within 1e-4: [${ok}]`);
  golden.close();
}

// 3. Gemma as a plain causal LM on token ids (random weights: the continuation is gibberish).
const tokenizer = await PaliGemmaTokenizer.load(g1.dir, { imageTokenId: g1.imageTokenId });
const prompt = [tokenizer.bosId, ...tokenizer.encode("the cat sat on the")];
console.log(`\nprompt ids [${prompt}]`);
for (const m of models) {
  const lm = new GemmaForCausalLM(m.config, m.weights);
  const logits = lm.forward([prompt]); // [1, T, V]: causal mask, positions 0..T-1
  const cache = lm.createCache(1, prompt.length + 6);
  let last = lm.forward([prompt], { cache, logits: "last" }); // prefill -> [1, 1, V]
  const ids: number[] = [];
  for (let s = 0; s < 6; s++) {
    const next = argmax(last.toFloat32());
    ids.push(next);
    last = lm.forward([[next]], { cache, logits: "last" }); // one token, cache grows by 1
  }
  const full = lm.forward([[...prompt, ...ids.slice(0, -1)]]); // recompute all at once
  const again = ids.map((_, s) => argmax(full.slice(1, prompt.length - 1 + s, prompt.length + s).toFloat32()));
  const maxLogit = Math.max(...Array.from(logits.toFloat32(), Math.abs));
  console.log(`${m.config.model_type}: logits [${logits.shape}], max |logit| ${maxLogit.toFixed(2)}; greedy + KV cache -> [${ids}] ${ids.map((id) => tokenizer.idToPiece(id)).join(" ")}; same as full recompute: ${again.join() === ids.join()}`);
}

// 4. Soft-cap: c * tanh(x / c) is ~x for small x and never exceeds c.
const xs = [1, 10, 30, 100, 1000];
console.log(`\nsoft-cap 30: ${xs.map((x, i) => `${x} -> ${softCap(Tensor.from(xs), 30).toFloat32()[i].toFixed(2)}`).join(", ")}`);

// 5. Sliding window: Gemma 2's even layers only see the last `window` keys. The fixture's 4096 never
//    bites at these lengths, so shrink it to 3: the first 3 positions are unchanged, the rest differ.
const narrow = new GemmaForCausalLM(gemmaConfig({ ...g2.config, sliding_window: 3 }), g2.weights);
const wide = new GemmaForCausalLM(g2.config, g2.weights);
const a = wide.forward([prompt]);
const b = narrow.forward([prompt]);
const changed = prompt.map((_, t) => maxAbsDiff(a.slice(1, t, t + 1), b.slice(1, t, t + 1)) > 0);
console.log(`gemma2 with sliding_window 3 (layers 0, 2) vs 4096 on the ${prompt.length} prompt tokens: logits change at positions [${changed.flatMap((c, t) => (c ? [t] : []))}]`);
const local = slidingWindowMask(8, 3).toFloat32();
for (const i of [2, 5, 7]) console.log(`  local layer, query ${i} sees keys ${Array.from(local.subarray(i * 8, i * 8 + 8), (v) => (v === 0 ? "x" : ".")).join("")}`);

// The picture: the two kinds of Gemma 2 layers, at window 3.
const png = await panels([
  { title: "global layers: causal", image: heatmap(attentionMask({ queryLength: 8 }).toFloat32(), 8, 8, { colormap: "mask", cell: 22 }) },
  { title: "local layers: window 3", image: heatmap(local, 8, 8, { colormap: "mask", cell: 22 }) },
]);
console.log(`wrote ${await savePng(png, "16-gemma2-sliding-window.png")}`);

function argmax(v: Float32Array): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
