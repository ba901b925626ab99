/**
 * 17-paligemma.ts — how SigLIP and Gemma become PaliGemma: the prompt layout (<image> x N, <bos>,
 * prompt, "\n"), the projector (one Linear, SigLIP width -> Gemma width), the merge with its two
 * scalings (1/sqrt(H), then sqrt(H)), the prefix-LM mask, and generate / score, all checked against
 * the PyTorch goldens of fixtures/paligemma-tiny; the folder is opened once (PaliGemma.open: config,
 * tokenizer, checked headers) and loaded twice, on the reference and on the ONNX kernels.
 *
 * The tiny checkpoint's weights are RANDOM: the "caption" is gibberish. What is checked is that
 * every number equals the reference implementation's.
 *
 * Run: pnpm example 17       Lesson: docs/17-paligemma.md
 */
import { readFileSync } from "node:fs";
import { SafetensorsFile, type Tensor, maxAbsDiff, mul } from "@paligemma-ts/tensor";
import { loadImage } from "@paligemma-ts/processor";
import { PaliGemma, leftPadBatch, mergeImageFeatures, prefillMask } from "@paligemma-ts/paligemma";
import { heatmap, panels, savePng } from "@paligemma-ts/examples/plot";

const DIR = "fixtures/paligemma-tiny";
const golden = SafetensorsFile.open(`${DIR}/golden.safetensors`);
const gold = (name: string) => golden.read(name).to("float32");
const goldenJson = JSON.parse(readFileSync(`${DIR}/golden.json`, "utf8")); // ids and greedy tokens of the PyTorch run
const opened = await PaliGemma.open(DIR); // config.json + defaults, tokenizer.model, checkpoint headers: no weights yet
const model = await PaliGemma.load(opened, { backend: "reference" }); // the readable TypeScript path
const diff = (a: Tensor, b: Tensor) => maxAbsDiff(a, b).toExponential(1);
const c = model.config;
const H = c.text_config.hidden_size;
console.log(`${DIR}: SigLIP ${c.vision_config.image_size}px/${c.vision_config.patch_size} (${c.num_image_tokens} image tokens, width ${c.vision_config.hidden_size}) + ${c.text_config.model_type} (width ${H}); weights are RANDOM`);

// 1. The prompt: <image> x N, <bos>, then tokenize(prompt + "\n") as one string.
const { ids } = model.promptIds("caption en");
const pieces = ids.map((id) => model.tokenizer.idToPiece(id) ?? `<${id}>`);
const runs = pieces.reduce<[string, number][]>((acc, p) => (acc.length && acc[acc.length - 1][0] === p ? (acc[acc.length - 1][1]++, acc) : [...acc, [p, 1]]), []);
console.log(`\n"caption en" -> ${ids.length} ids: ${runs.map(([p, n]) => (n > 1 ? `${p} x${n}` : p)).join(" ").replace("\n", "\\n")}`);
console.log(`ids [${ids}]`);
console.log(`same ids as the reference processor: ${ids.join() === goldenJson.cases[0].input_ids.join()}`);

// 2. Vision: SigLIP -> projector (one Linear with bias: 32 -> 64).
const photo = await loadImage("fixtures/images/chelsea.png");
const pixels = model.pixelValues([photo]); // [1, 3, 56, 56]
const vision = await model.runVision(pixels); // [1, 16, 32]
const features = await model.projectImages(vision); // [1, 16, 64]
console.log(`\npixel_values [${pixels.shape}] -> SigLIP [${vision.shape}] -> projector [${features.shape}]; max |diff| vs PyTorch ${diff(features, gold("image_features"))}`);

// 3. Merge: the 16 <image> rows of the embedded prompt are replaced by image_features / sqrt(H);
//    then Gemma multiplies EVERY row by sqrt(H). Net effect: image rows enter at projector scale,
//    text rows at E[id] * sqrt(H).
const embeds = await model.decoder.embed([ids]); // [1, T, H] raw rows E[id]
const merged = mergeImageFeatures(embeds, [ids], features, c.image_token_index); // [1, T, H]
const layer0Input = mul(merged, Math.fround(Math.sqrt(H))); // what the first decoder layer sees
const rowNorm = (t: Tensor, from: number, to: number) => {
  const v = t.toFloat32();
  let s = 0;
  for (let r = from; r < to; r++) s += Math.sqrt(v.subarray(r * H, (r + 1) * H).reduce((a, x) => a + x * x, 0));
  return (s / (to - from)).toFixed(3);
};
const N = c.num_image_tokens;
console.log(`mean row norm        image rows   text rows`);
console.log(`projector output     ${rowNorm(features, 0, N).padStart(9)}`);
console.log(`merged (/ sqrt(${H}))  ${rowNorm(merged, 0, N).padStart(9)}   ${rowNorm(merged, N, ids.length).padStart(9)}   (text rows: raw E[id])`);
console.log(`x sqrt(${H}) = layer 0 ${rowNorm(layer0Input, 0, N).padStart(9)}   ${rowNorm(layer0Input, N, ids.length).padStart(9)}`);
console.log(`layer 0 input vs PyTorch's trace: max |diff| ${diff(layer0Input, gold("trace.text.layer0.input"))}`);

// 4. The prefix-LM mask for scoring "caption en" -> "a cat sitting on a couch": the prefix (image +
//    <bos> + prompt) is bidirectional, the suffix causal.
const scored = model.promptIds("caption en", "a cat sitting on a couch");
const batch = leftPadBatch([scored.ids], c.pad_token_id, [scored.prefixLength]);
const mask = prefillMask(batch); // [1, 1, 27, 27]
const T = scored.ids.length;
const mv = mask.toFloat32();
console.log(`\nscore prompt: ${T} tokens, prefix ${scored.prefixLength} (16 image + <bos> + 3), suffix ${T - scored.prefixLength} (6 words + <eos>); mask [${mask.shape}]`);
for (const i of [0, 19, 20, 23, 26]) console.log(`  q${String(i).padEnd(2)} ${Array.from(mv.subarray(i * T, (i + 1) * T), (v) => (v === 0 ? "x" : ".")).join("")}`);

// 5. Logits, score, generate — each against the reference implementation.
const logits = await model.prefillLogits(pixels, [ids]); // [1, 20, V]
console.log(`\nprefill logits [${logits.shape}]: max |diff| vs PyTorch ${diff(logits.reshape([ids.length, -1]), gold("case0.prefill_logits"))}`);
const score = await model.score(photo, "caption en", "a cat sitting on a couch");
console.log(`score: mean suffix NLL ${score.meanNll.toFixed(4)} (PyTorch ${goldenJson.score.mean_suffix_nll.toFixed(4)}; uniform over ${c.text_config.vocab_size} tokens would be ${Math.log(c.text_config.vocab_size).toFixed(4)})`);
const goldenGreedy: number[] = goldenJson.cases[0].greedy_ids; // 12 greedy steps, not stopping at eos
const gen = await model.generate({ images: [photo], prompts: ["caption en"], maxNewTokens: 12, ignoreEos: true });
console.log(`generate (greedy, 12 tokens): [${gen.generatedIds[0]}] ${JSON.stringify(gen.texts[0])}`);
console.log(`same tokens as PyTorch: ${gen.generatedIds[0].join() === goldenGreedy.join()}`);

// 6. The same model on the ONNX kernels (fused sessions, weights read in place by onnxruntime),
//    loaded from the same opened folder.
const fast = await PaliGemma.load(opened, { backend: "onnx" });
const genOnnx = await fast.generate({ images: [photo], prompts: ["caption en"], maxNewTokens: 12, ignoreEos: true });
console.log(`onnx backend: same 12 tokens: ${genOnnx.generatedIds[0].join() === goldenGreedy.join()}; prefill logits max |diff| vs PyTorch ${diff((await fast.prefillLogits(pixels, [ids])).reshape([ids.length, -1]), gold("case0.prefill_logits"))}`);
await fast.dispose();
await model.dispose();
opened.close(); // loads from an opened folder leave it open for the caller
golden.close();

// 7. Real sizes: paligemma-3b-pt-224 has 256 image tokens, so "caption en" is 256 + 1 + 3 = 260 ids.
console.log(`\npaligemma-3b-pt-224: 256 <image> + <bos> + "caption en\\n" = 260 ids; merge scale 1/sqrt(2048) = ${(1 / Math.sqrt(2048)).toFixed(5)}; paligemma2-3b: 1/sqrt(2304) = ${(1 / Math.sqrt(2304)).toFixed(5)}`);

// The picture: the scoring prompt's prefix-LM mask (blue = attended).
const png = await panels([{ title: "prefix-LM mask: 16 image + <bos> + 3 prompt | 7 suffix", image: heatmap(mv, T, T, { colormap: "mask", cell: 14 }) }]);
console.log(`wrote ${await savePng(png, "17-paligemma-prefix-lm.png")}`);

