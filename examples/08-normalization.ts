/**
 * 08-normalization.ts — batch norm vs layer norm vs RMSNorm on the same activations: which axis
 * the statistics run over, what each guarantees, why transformers use per-token norms, and Gemma's
 * (1 + w) scale. Reference kernels checked against the ONNX LayerNormalization/RMSNormalization
 * (through `runOps`).
 *
 * Run: pnpm example 8        Lesson: docs/08-normalization.md
 */
import { Tensor, layerNorm, maxAbsDiff, randNormal, rmsNorm, runOps, seededRng } from "@paligemma-ts/tensor";

const [N, D] = [4, 6]; // 4 tokens (rows) of 6 features
const rng = seededRng(8);
const x = randNormal([N, D], rng, 2, 3); // mean 3, std 2: not centred, not unit scale
const rowStats = (t: Tensor, r: number) => {
  const v = Array.from(t.toFloat32().subarray(r * D, (r + 1) * D));
  const mean = v.reduce((s, a) => s + a, 0) / D;
  return { mean, std: Math.sqrt(v.reduce((s, a) => s + (a - mean) ** 2, 0) / D), rms: Math.sqrt(v.reduce((s, a) => s + a * a, 0) / D) };
};
const fmt = (n: number) => (Math.abs(n) < 5e-5 ? 0 : n).toFixed(4);

/** Batch norm (training mode): statistics per FEATURE over the batch rows; no learned scale here. */
function batchNorm(t: Tensor, eps = 1e-5): Tensor {
  const [n, d] = t.shape;
  const v = t.toFloat32();
  const out = new Float32Array(v.length);
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += v[i * d + j] / n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (v[i * d + j] - mean) ** 2 / n;
    for (let i = 0; i < n; i++) out[i * d + j] = (v[i * d + j] - mean) / Math.sqrt(variance + eps);
  }
  return new Tensor("float32", t.shape, out);
}

const bn = batchNorm(x);
const ln = layerNorm(x, null, null, 1e-6); // no learned scale/shift
const rms = rmsNorm(x, Tensor.zeros([D]), 1e-6); // Gemma: weight 0 means scale 1 + 0 = 1
console.log(`x [${x.shape}]: token 0 mean ${fmt(rowStats(x, 0).mean)}, std ${fmt(rowStats(x, 0).std)}, rms ${fmt(rowStats(x, 0).rms)}`);
for (const [name, y] of [["batch norm", bn], ["layer norm", ln], ["RMSNorm", rms]] as const) {
  const s = rowStats(y, 0);
  console.log(`${name.padEnd(10)} token 0: mean ${fmt(s.mean)}, std ${fmt(s.std)}, rms ${fmt(s.rms)}`);
}

// Batch norm couples the tokens of a batch: change token 3 and token 0's output moves.
const x2 = x.clone();
(x2.data as Float32Array)[3 * D] += 10;
const moved = (f: (t: Tensor) => Tensor) => maxAbsDiff(f(x).slice(0, 0, 1), f(x2).slice(0, 0, 1)) > 0;
console.log(`changing token 3 changes token 0's output: batch norm ${moved(batchNorm)}, layer norm ${moved((t) => layerNorm(t, null, null, 1e-6))}, RMSNorm ${moved((t) => rmsNorm(t, Tensor.zeros([D]), 1e-6))}`);
// A per-token norm gives the same answer for a token alone (decode step) as inside a batch (prefill).
console.log(`RMSNorm of token 2 alone equals its row in the batch: ${maxAbsDiff(rmsNorm(x.slice(0, 2, 3), Tensor.zeros([D]), 1e-6), rms.slice(0, 2, 3)) === 0}`);
// RMSNorm is invariant to rescaling a token; layer norm also to shifting it.
const shifted = x.slice(0, 0, 1).toArray().map((v) => 3 * v + 5);
const dLnShift = maxAbsDiff(layerNorm(Tensor.from(shifted, [1, D]), null, null, 1e-6), ln.slice(0, 0, 1));
const dRmsShift = maxAbsDiff(rmsNorm(Tensor.from(shifted, [1, D]), Tensor.zeros([D]), 1e-6), rms.slice(0, 0, 1));
console.log(`3x + 5 vs x, token 0: layer norm output moves by max |diff| ${dLnShift.toExponential(1)}, RMSNorm by ${dRmsShift.toFixed(2)}`);
const scaled = x.slice(0, 0, 1).toArray().map((v) => 3 * v);
console.log(`3x vs x, token 0: RMSNorm output moves by max |diff| ${maxAbsDiff(rmsNorm(Tensor.from(scaled, [1, D]), Tensor.zeros([D]), 1e-6), rms.slice(0, 0, 1)).toExponential(1)}`);

// Gemma's (1 + w): a checkpoint stores w around 0. Read it as a plain scale and activations collapse.
const w = Tensor.from([0.1, -0.05, 0.02, 0.0, -0.1, 0.05]); // typical small stored weights
const gemma = rmsNorm(x, w, 1e-6); // x / rms * (1 + w)
const llamaStyle = rmsNorm(x, w, 1e-6, { unitOffset: false }); // x / rms * w
console.log(`stored w = [${w.toArray().map((v) => v.toFixed(2))}]: token 0 rms with (1 + w) ${fmt(rowStats(gemma, 0).rms)}, read as plain w ${fmt(rowStats(llamaStyle, 0).rms)}`);

// The ONNX kernels (LayerNormalization, RMSNormalization with an Add for 1 + w). In Ops a norm takes
// its weight by NAME ("w" here), as the model layers do with checkpoint names.
const onnxLn = await runOps("onnx", (ops, v) => ops.layerNorm(v.x, null, null, 1e-6), { x });
const onnxRms = await runOps("onnx", (ops, v) => ops.rmsNorm(v.x, "w", 1e-6), { x }, { w });
console.log(`onnx vs reference: layer norm max |diff| ${maxAbsDiff(onnxLn, ln).toExponential(1)}, RMSNorm (1 + w) max |diff| ${maxAbsDiff(onnxRms, gemma).toExponential(1)}`);
