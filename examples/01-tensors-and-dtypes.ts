/**
 * 01-tensors-and-dtypes.ts — a Tensor is a shape, a dtype and a flat buffer; float32, float16 and
 * bfloat16 trade range, precision and bytes; that is why checkpoints ship in bf16.
 *
 * Run: pnpm example 1        Lesson: docs/01-tensors-and-dtypes.md
 */
import { Tensor, bf16ToF32, f16ToF32, f32ToBf16, f32ToF16, matmul, maxAbsDiff, randNormal, runOps, seededRng } from "@paligemma-ts/tensor";

// 1. Layout: row-major storage, strides, reshape shares memory, permute copies.
const x = Tensor.arange(6).reshape([2, 3]);
console.log(`x shape [${x.shape}] strides [${x.strides}] data [${x.toArray()}]`);
const r = x.reshape([3, 2]);
console.log(`reshape [3, 2] shares x's buffer: ${r.data === x.data}`);
const t = x.transpose(0, 1);
console.log(`transpose [${t.shape}] data [${t.toArray()}] shares x's buffer: ${t.data === x.data}`);
console.log(`x.get(1, 2) = ${x.get(1, 2)} = data[1*${x.strides[0]} + 2*${x.strides[1]}]`);

// 2. One number in three dtypes: bits and the value that survives the round trip.
const hex = (b: number) => "0x" + b.toString(16).padStart(4, "0");
const g = (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(8)).toString() : String(v));
console.log("\nvalue        float16 (bits -> value)        bfloat16 (bits -> value)");
for (const v of [0.1, 1 / 3, 65504, 70000, 1e-8, 3.14159265]) {
  const h = f32ToF16(v);
  const b = f32ToBf16(v);
  console.log(`${g(v).padEnd(12)} ${hex(h)} -> ${g(f16ToF32(h)).padEnd(18)} ${hex(b)} -> ${g(bf16ToF32(b))}`);
}

// 3. Relative rounding error on typical weights (normal, std 0.02).
const w = randNormal([4096], seededRng(1), 0.02);
const wv = w.data as Float32Array;
for (const dtype of ["float16", "bfloat16"] as const) {
  const back = w.to(dtype).toFloat32();
  let worst = 0;
  for (let i = 0; i < w.size; i++) worst = Math.max(worst, Math.abs(back[i] - wv[i]) / Math.abs(wv[i]));
  if (dtype === "float16") {
    const tiny = Array.from(wv).filter((v) => Math.abs(v) < 2 ** -14).length;
    console.log(`float16  subnormal range |w| < 2^-14 = 6.1e-5 (fewer mantissa bits): ${tiny} of ${w.size} weights`);
  }
  console.log(`${dtype.padEnd(8)} max relative error on N(0, 0.02^2) weights: ${worst.toExponential(2)} (unit roundoff 2^-${dtype === "float16" ? 11 : 8} = ${(dtype === "float16" ? 2 ** -11 : 2 ** -8).toExponential(2)})`);
}

// 4. What that means in bytes for paligemma-3b-pt-224 (parameter count from its config shapes).
const gemma = (() => {
  const [V, D, I, L, H, Hkv, hd] = [257216, 2048, 16384, 18, 8, 1, 256];
  const layer = D * H * hd * 2 + D * Hkv * hd * 2 + 3 * D * I + 2 * D; // q,o + k,v + gate,up,down + 2 norms
  return V * D + L * layer + D; // embeddings (tied LM head) + layers + final norm
})();
const siglip = (() => {
  const [D, I, L, P, N] = [1152, 4304, 27, 14, 256];
  const layer = 4 * (D * D + D) + (D * I + I) + (I * D + D) + 4 * D; // q,k,v,out + fc1 + fc2 + 2 LayerNorms
  return D * 3 * P * P + D + N * D + L * layer + 2 * D; // patch conv + positions + layers + post_layernorm
})();
const projector = 1152 * 2048 + 2048;
const params = gemma + siglip + projector;
console.log(`\nparameters: gemma ${gemma.toLocaleString("en-US")} + siglip ${siglip.toLocaleString("en-US")} + projector ${projector.toLocaleString("en-US")} = ${params.toLocaleString("en-US")}`);
for (const [dtype, bytes] of [["float32", 4], ["bfloat16", 2], ["int4", 0.5]] as const) {
  console.log(`  ${dtype.padEnd(8)} ${(params * bytes / 1e9).toFixed(2)} GB`);
}

// 5. A bf16 weight on the ONNX kernels: widened to float32 once (onnxruntime's CPU provider has no
//    bf16 MatMul), then y = x W^T. The reference kernel widens the same bits; both agree to rounding.
const a = randNormal([4, 64], seededRng(2)).to("bfloat16"); // x [4, 64]
const b = randNormal([64, 8], seededRng(3)).to("bfloat16"); // [64, 8]
const ref = matmul(a, b); // [4, 64] @ [64, 8] -> [4, 8]
const onnx = await runOps("onnx", (ops, v) => ops.linear(v.x, { weight: "w" }), { x: a.to("float32") }, { w: b.transpose() }); // W = b^T [8, 64], still bf16
console.log(`\nbf16 matmul: reference [${ref.shape}] vs onnx (bf16 weight widened to float32) [${onnx.shape}], max |diff| ${maxAbsDiff(ref, onnx).toExponential(1)}`);
