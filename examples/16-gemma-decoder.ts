/**
 * 16-gemma-decoder.ts — the Gemma decoder end to end, and what changed in Gemma 2, read off the two
 * fixture checkpoints: PaliGemma 1's Gemma (MQA, two norms per layer) and PaliGemma 2's Gemma 2 (GQA,
 * four "sandwich" norms, attention and final soft-caps, sliding-window attention on even layers).
 * One GemmaModel (each layer written once against Ops) is compiled on the reference kernels and on
 * the ONNX kernels; both are checked layer by layer against the PyTorch traces of a PaliGemma
 * prefill, then Gemma runs as a plain causal LM on token ids (GemmaForCausalLM) on both.
 *
 * Run: pnpm example 16       Lesson: docs/16-gemma-decoder.md
 */
import { CheckpointWeights, type Kernels, OnnxKernels, ReferenceKernels, SafetensorsFile, Tensor, TensorParams, argmax, div, maxAbsDiff, softCap } from "@paligemma-ts/tensor";
import { attentionMask, slidingWindowMask } from "@paligemma-ts/core";
import { GemmaForCausalLM, GemmaModel, type GemmaTextConfig, attentionScale, embeddingNormalizer, gemmaConfig, gemmaWeightSpecs, slidingWindowOf } from "@paligemma-ts/gemma";
import { PaliGemma } from "@paligemma-ts/paligemma";
import { heatmap, panels, savePng } from "@paligemma-ts/examples/plot";

const dirs = ["fixtures/paligemma-tiny", "fixtures/paligemma2-tiny"];
const models = await Promise.all(dirs.map(async (dir) => {
  const opened = await PaliGemma.open(dir); // config.json + HF defaults, tokenizer, checked headers
  const kernels: Record<"reference" | "onnx", Kernels> = {
    reference: new ReferenceKernels(TensorParams.fromCheckpoint(opened.checkpoint).get), // every tensor read as float32
    onnx: new OnnxKernels(new CheckpointWeights(opened.checkpoint)), // weights bound in place (bf16 widened once)
  };
  return { dir, opened, config: opened.config.text_config, prefix: opened.layout.text, kernels };
}));
const [g1, g2] = models;
const kinds = ["reference", "onnx"] as const;
const diff = (a: Tensor, b: Tensor) => maxAbsDiff(a, b).toExponential(1);

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

// 2. The whole decoder vs the PyTorch reference, on both kernel sets (PaliGemma prefill traces:
//    1-based positions, bidirectional prefix): every layer's output, then every prefill logit.
for (const m of models) {
  const golden = SafetensorsFile.open(`${m.dir}/golden.safetensors`);
  const c = m.config;
  const x0 = golden.read("trace.text.layer0.input").to("float32"); // [T, H], already * sqrt(H)
  const T = x0.shape[0];
  for (const kind of kinds) {
    const model = await GemmaModel.create(m.kernels[kind], c, m.prefix);
    const traces = new Map<string, Tensor>();
    const { logits } = await model.forward({
      inputsEmbeds: div(x0, embeddingNormalizer(c)).reshape([1, T, c.hidden_size]), // the forward multiplies by sqrt(H) itself
      positions: [Array.from({ length: T }, (_, t) => t + 1)],
      mask: attentionMask({ queryLength: T, prefixEnd: T }),
      logits: "all",
      trace: (name, t) => traces.set(name, t),
    });
    const layers = Array.from({ length: c.num_hidden_layers }, (_, i) => diff(traces.get(`text.layer${i}.output`)!, golden.read(`trace.text.layer${i}.output`)));
    console.log(`${c.model_type.padEnd(6)} ${kind.padEnd(9)} kernels, ${T} tokens: max |diff| vs PyTorch per layer output [${layers.join(", ")}], prefill logits ${diff(logits!, golden.read("case0.prefill_logits"))}`);
    await model.dispose();
  }
  golden.close();
}

// 3. Gemma as a plain causal LM on token ids (random weights: the continuation is gibberish).
const tokenizer = g1.opened.tokenizer;
const prompt = [tokenizer.bosId, ...tokenizer.encode("the cat sat on the")];
console.log(`\nprompt ids [${prompt}]`);
/** Greedy decoding with the KV cache (prefill, then one token per step). */
async function greedy(lm: GemmaForCausalLM, ids: number[], steps: number): Promise<number[]> {
  const cache = lm.createCache(1, ids.length + steps);
  let last = await lm.forward([ids], { cache, logits: "last" }); // prefill -> [1, 1, V]
  const out: number[] = [];
  for (let s = 0; s < steps; s++) {
    out.push(argmax(last.reshape([-1])).item());
    last = await lm.forward([[out[s]]], { cache, logits: "last" }); // one token, cache grows by 1
  }
  return out;
}
for (const m of models) {
  const lm = new GemmaForCausalLM(await GemmaModel.create(m.kernels.reference, m.config, m.prefix));
  const logits = await lm.forward([prompt]); // [1, T, V]: causal mask, positions 0..T-1
  const ids = await greedy(lm, prompt, 6);
  const full = await lm.forward([[...prompt, ...ids.slice(0, -1)]]); // recompute all at once
  const again = ids.map((_, s) => argmax(full.slice(1, prompt.length - 1 + s, prompt.length + s).reshape([-1])).item());
  const onnx = new GemmaForCausalLM(await GemmaModel.create(m.kernels.onnx, m.config, m.prefix));
  const onnxIds = await greedy(onnx, prompt, 6);
  const maxLogit = Math.max(...Array.from(logits.toFloat32(), Math.abs));
  console.log(`${m.config.model_type}: logits [${logits.shape}], max |logit| ${maxLogit.toFixed(2)}; greedy + KV cache -> [${ids}] ${ids.map((id) => tokenizer.idToPiece(id)).join(" ")}; same as full recompute: ${again.join() === ids.join()}`);
  console.log(`${m.config.model_type}: onnx kernels, same 6 tokens: ${onnxIds.join() === ids.join()}; prompt logits max |diff| vs reference ${diff(await onnx.forward([prompt]), logits)}`);
  await lm.model.dispose();
  await onnx.model.dispose();
}

// 4. Soft-cap: c * tanh(x / c) is ~x for small x and never exceeds c.
const xs = [1, 10, 30, 100, 1000];
const capped = softCap(Tensor.from(xs), 30).toFloat32();
console.log(`\nsoft-cap 30: ${xs.map((x, i) => `${x} -> ${capped[i].toFixed(2)}`).join(", ")}`);

// 5. Sliding window: Gemma 2's even layers only see the last `window` keys. The fixture's 4096 never
//    bites at these lengths, so shrink it to 3: the first 3 positions are unchanged, the rest differ.
const narrow = new GemmaForCausalLM(await GemmaModel.create(g2.kernels.reference, gemmaConfig({ ...g2.config, sliding_window: 3 }), g2.prefix));
const wide = new GemmaForCausalLM(await GemmaModel.create(g2.kernels.reference, g2.config, g2.prefix));
const a = await wide.forward([prompt]);
const b = await narrow.forward([prompt]);
const changed = prompt.map((_, t) => maxAbsDiff(a.slice(1, t, t + 1), b.slice(1, t, t + 1)) > 0);
console.log(`gemma2 with sliding_window 3 (layers 0, 2) vs 4096 on the ${prompt.length} prompt tokens: logits change at positions [${changed.flatMap((c, t) => (c ? [t] : []))}]`);
const local = slidingWindowMask(8, 3).toFloat32();
for (const i of [2, 5, 7]) console.log(`  local layer, query ${i} sees keys ${Array.from(local.subarray(i * 8, i * 8 + 8), (v) => (v === 0 ? "x" : ".")).join("")}`);
for (const m of models) {
  for (const k of kinds) await m.kernels[k].dispose();
  m.opened.close();
}

// The picture: the two kinds of Gemma 2 layers, at window 3.
const png = await panels([
  { title: "global layers: causal", image: heatmap(attentionMask({ queryLength: 8 }).toFloat32(), 8, 8, { colormap: "mask", cell: 22 }) },
  { title: "local layers: window 3", image: heatmap(local, 8, 8, { colormap: "mask", cell: 22 }) },
]);
console.log(`wrote ${await savePng(png, "16-gemma2-sliding-window.png")}`);
