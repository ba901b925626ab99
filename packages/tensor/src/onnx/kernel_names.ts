/**
 * kernel_names.ts — every heavy kernel's name and input/output contract, in one place.
 *
 * Teaches: a kernel is a named operation with a fixed contract (input names and shapes, attributes,
 * output shape). Backends (the plain-TS reference, the ONNX one) implement the same contracts, and
 * one test suite runs against each of them. Modeled on tfjs-core's kernel_names.ts.
 *
 * Shapes use: B batch, T/Tq/Tk sequence lengths, H query heads, Hkv key/value heads, D widths,
 * S image side, P patch size, N = (S/P)^2 patches; "..." is any number of leading axes.
 *
 * Reference: https://github.com/tensorflow/tfjs/blob/master/tfjs-core/src/kernel_names.ts
 */

export interface KernelContract {
  readonly inputs: readonly string[];
  readonly attrs: readonly string[];
  readonly output: string;
  /** The ONNX ops the onnx backend builds for it. */
  readonly onnx: readonly string[];
}

export const MatMul = "matmul";
export const Linear = "linear";
export const Softmax = "softmax";
export const LayerNorm = "layerNorm";
export const RmsNorm = "rmsNorm";
export const GeluTanh = "geluTanh";
export const Attention = "attention";
export const PatchEmbed = "patchEmbed";

export type KernelName =
  | typeof MatMul | typeof Linear | typeof Softmax | typeof LayerNorm
  | typeof RmsNorm | typeof GeluTanh | typeof Attention | typeof PatchEmbed;

export const KERNELS: Readonly<Record<KernelName, KernelContract>> = {
  [MatMul]: { inputs: ["a [..., M, K]", "b [..., K, N]"], attrs: [], output: "[..., M, N]", onnx: ["MatMul"] },
  [Linear]: {
    inputs: ["x [..., in]", "weight [out, in] (PyTorch layout)", "bias [out] | null"],
    attrs: [],
    output: "[..., out] = x @ weight^T + bias",
    onnx: ["Transpose", "MatMul", "Add"],
  },
  [Softmax]: { inputs: ["x [...]"], attrs: ["axis = -1"], output: "same shape as x", onnx: ["Softmax"] },
  [LayerNorm]: {
    inputs: ["x [..., D]", "weight [D] | null", "bias [D] | null"],
    attrs: ["eps = 1e-5"],
    output: "[..., D]",
    onnx: ["LayerNormalization"],
  },
  [RmsNorm]: {
    inputs: ["x [..., D]", "weight [D] | null"],
    attrs: ["eps = 1e-6", "unitOffset = true (scale by 1 + w)"],
    output: "[..., D]",
    onnx: ["Add", "RMSNormalization"],
  },
  [GeluTanh]: { inputs: ["x [...]"], attrs: [], output: "same shape as x", onnx: ["Gelu(approximate=tanh)"] },
  [Attention]: {
    inputs: ["q [B, H, Tq, D]", "k [B, Hkv, Tk, D]", "v [B, Hkv, Tk, D]", "mask broadcastable to [B, H, Tq, Tk] | null (additive)"],
    attrs: ["scale = 1/sqrt(D)", "softcap = 0 (none)"],
    output: "[B, H, Tq, D]",
    onnx: ["Attention"],
  },
  [PatchEmbed]: {
    inputs: ["pixels [B, 3, S, S]", "weight [D, 3, P, P]", "bias [D] | null"],
    attrs: ["patch = P"],
    output: "[B, N, D]",
    onnx: ["Conv", "Reshape", "Transpose"],
  },
};

export const KERNEL_NAMES = Object.keys(KERNELS) as KernelName[];
