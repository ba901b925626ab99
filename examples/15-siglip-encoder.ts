/**
 * 15-siglip-encoder.ts — the SigLIP vision tower end to end on a photo: pixels -> patch tokens ->
 * encoder blocks -> post_layernorm, with the shape and a fingerprint at every stage, checked against
 * the PyTorch goldens of fixtures/paligemma-tiny. The SAME tower (SiglipVisionModel: one forward,
 * each block written once against Ops) is compiled twice: on the reference kernels (plain TS, the
 * weights read into memory) and on the ONNX kernels (one fused onnxruntime session per block, the
 * weights read in place from model.safetensors); both are compared with PyTorch and with each other.
 *
 * Run: pnpm example 15       Lesson: docs/15-siglip-encoder.md
 */
import { CheckpointWeights, OnnxKernels, ReferenceKernels, SafetensorsFile, type Tensor, TensorParams, maxAbsDiff } from "@paligemma-ts/tensor";
import { loadImage, preprocessImages } from "@paligemma-ts/processor";
import { SiglipVisionModel, numPatches, siglipWeightSpecs } from "@paligemma-ts/siglip";
import { PaliGemma, paliGemmaConfig } from "@paligemma-ts/paligemma";
import { heatmap, panels, savePng } from "@paligemma-ts/examples/plot";

const DIR = "fixtures/paligemma-tiny";
const opened = await PaliGemma.open(DIR); // config.json + HF defaults, tokenizer, checked checkpoint headers
const c = opened.config.vision_config;
const hd = c.hidden_size / c.num_attention_heads;
console.log(`tiny SigLIP: image ${c.image_size}, patch ${c.patch_size}, width ${c.hidden_size}, ${c.num_hidden_layers} blocks, ${c.num_attention_heads} heads of ${hd}, MLP ${c.intermediate_size} (random weights)`);

// 1. The photo -> pixel_values, exactly as the reference processor makes them.
const photo = await loadImage("fixtures/images/chelsea.png");
const pixels = preprocessImages([photo], c.image_size); // [1, 3, 56, 56]
const golden = SafetensorsFile.open(`${DIR}/golden.safetensors`);
const diff = (a: Tensor, b: Tensor) => maxAbsDiff(a, b).toExponential(1);
console.log(`chelsea.png ${photo.width}x${photo.height} -> pixel_values [${pixels.shape}]; vs PyTorch's: max |diff| ${diff(pixels, golden.read("pixel_values"))}`);

// 2. One tower, two kernel sets, traced stage by stage.
const reference = await SiglipVisionModel.create(new ReferenceKernels(TensorParams.fromCheckpoint(opened.checkpoint).get), c, opened.layout.vision);
const onnx = await SiglipVisionModel.create(new OnnxKernels(new CheckpointWeights(opened.checkpoint)), c, opened.layout.vision); // 1 + 2 + 1 sessions
const traces = { reference: new Map<string, Tensor>(), onnx: new Map<string, Tensor>() };
const out = await reference.forward(pixels, (name, t) => traces.reference.set(name, t)); // [1, N, D]
const onnxOut = await onnx.forward(pixels, (name, t) => traces.onnx.set(name, t));
const stats = (t: Tensor) => {
  const v = t.toFloat32();
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const std = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length);
  return `mean ${mean.toFixed(4).padStart(7)}  std ${std.toFixed(4)}`;
};
const stage = (name: string, ref: Tensor, fast: Tensor, gold: Tensor) => console.log(`${name.padEnd(21)} [${ref.shape}]   ${stats(ref)}   ${diff(ref, gold).padStart(9)}   ${diff(fast, gold).padStart(7)}`);
console.log(`\nstage                 shape        fingerprint            max |diff| vs PyTorch: reference    onnx`);
for (const [name, t] of traces.reference) stage(name, t, traces.onnx.get(name)!, golden.read(`trace.${name}`));
stage("post_layernorm", out, onnxOut, golden.read("vision_last_hidden_state"));
console.log(`-> ${numPatches(c)} image tokens of width ${c.hidden_size}, one per ${c.patch_size}x${c.patch_size} patch (no pooling: PaliGemma uses them all)`);
console.log(`onnx SigLIP (${c.num_hidden_layers + 2} sessions) vs reference SigLIP, last_hidden_state [${onnxOut.shape}]: max |diff| ${diff(onnxOut, out)}`);
await onnx.dispose();
await reference.dispose();
golden.close();
opened.close();

// 3. Inside one block (pre-LN), shapes for B = 1:
const [N, Dv] = [numPatches(c), c.hidden_size];
const rows: [string, string][] = [
  ["h = layer_norm1(x)", `[1, ${N}, ${Dv}]`],
  ["q, k, v = h W^T + b (each)", `[1, ${N}, ${Dv}] -> heads [1, ${c.num_attention_heads}, ${N}, ${hd}]`],
  [`scores = q k^T / sqrt(${hd}), no mask`, `[1, ${c.num_attention_heads}, ${N}, ${N}]  every patch sees every patch`],
  ["x = x + out_proj(softmax(scores) v)", `[1, ${N}, ${Dv}]`],
  ["m = fc1(layer_norm2(x))", `[1, ${N}, ${c.intermediate_size}]`],
  ["x = x + fc2(gelu_tanh(m))", `[1, ${N}, ${Dv}]`],
];
console.log(`\none encoder block, x [1, ${N}, ${Dv}]:`);
for (const [math, shape] of rows) console.log(`  ${math.padEnd(38)} ${shape}`);

// 5. The real tower (SigLIP So400m/14 in paligemma-3b-pt-224), from the same specs the loader checks.
const real = paliGemmaConfig({ vision_config: { hidden_size: 1152, intermediate_size: 4304, num_hidden_layers: 27, num_attention_heads: 16, patch_size: 14, image_size: 224 } }).vision_config;
const params = siglipWeightSpecs(real).reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0);
console.log(`\nSigLIP So400m/14 at 224: ${numPatches(real)} tokens x ${real.hidden_size}, ${real.num_hidden_layers} blocks, ${real.num_attention_heads} heads of ${real.hidden_size / real.num_attention_heads}, MLP ${real.intermediate_size}: ${(params / 1e6).toFixed(1)}M parameters`);

// 6. The picture: the tower's output, one row per patch token (diverging: blue > 0, red < 0).
const png = await panels([
  { title: "embeddings [16 x 32]", image: heatmap(traces.reference.get("vision.embeddings")!.toFloat32(), numPatches(c), c.hidden_size, { colormap: "diverging", cell: 8 }) },
  { title: "last_hidden_state", image: heatmap(out.toFloat32(), numPatches(c), c.hidden_size, { colormap: "diverging", cell: 8 }) },
]);
console.log(`wrote ${await savePng(png, "15-siglip-encoder.png")}`);
