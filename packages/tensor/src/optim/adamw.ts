/**
 * adamw.ts — the AdamW optimizer: the reference update in plain TS, and the same update as graph
 * nodes (so one onnxruntime session runs forward + backward + update for a whole training step).
 *
 * Teaches: Adam keeps two running averages per parameter, of the gradient and of its square, and
 * steps by their ratio; AdamW applies weight decay to the weights directly (decoupled), not to the
 * gradient. At step t (1-based), for a parameter p with gradient g:
 *   m  = b1 * m + (1 - b1) * g                 first moment (momentum)
 *   v  = b2 * v + (1 - b2) * g^2               second moment
 *   m^ = m / (1 - b1^t),  v^ = v / (1 - b2^t)  bias correction (both start at 0)
 *   p  = p * (1 - lr * wd) - lr * m^ / (sqrt(v^) + eps)
 * Weight decay is off (wd = 0) for norms and biases; a decay mask (e.g. 0 on an embedding's
 * padding row) may scale it per element. Gradient clipping by global norm comes first:
 *   norm = sqrt(sum over all parameters of sum(g^2)),   g *= min(1, maxNorm / (norm + 1e-6))
 * lr and the bias corrections change every step, so the graph takes them as inputs; b1, b2, eps are
 * constants of the graph.
 *
 * References: Loshchilov & Hutter, "Decoupled Weight Decay Regularization" (https://arxiv.org/abs/1711.05101);
 * Kingma & Ba, "Adam" (https://arxiv.org/abs/1412.6980); PyTorch torch.optim.AdamW; llm.c adamw_kernel.
 * Leaves out: amsgrad, fused multi-tensor kernels, parameter groups beyond the decay mask.
 */
import { ArgumentError } from "../errors.ts";
import type { Graph, Value } from "../onnx/graph.ts";

export interface AdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
}

export const ADAMW_DEFAULTS: Readonly<AdamWHyper> = Object.freeze({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });

/** The per-step scalars: learning rate and the two bias corrections 1 - b^t (t 1-based). */
export function adamwStepScalars(step: number, lr: number, h: AdamWHyper = ADAMW_DEFAULTS): { lr: number; bc1: number; bc2: number } {
  if (!Number.isInteger(step) || step < 1) throw new ArgumentError(`AdamW: step must be a positive integer (1-based), got ${step}`);
  if (!(lr >= 0) || !Number.isFinite(lr)) throw new ArgumentError(`AdamW: lr must be a finite number >= 0, got ${lr}`);
  return { lr, bc1: 1 - h.beta1 ** step, bc2: 1 - h.beta2 ** step };
}

/** Global-norm clip factor: min(1, maxNorm / (norm + 1e-6)); maxNorm <= 0 or Infinity = no clipping. */
export function clipFactor(norm: number, maxNorm: number): number {
  return maxNorm > 0 && Number.isFinite(maxNorm) ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
}

/**
 * The reference update, in place: p, m, v (Float32Arrays of one parameter) with gradient g already
 * clipped. `decay` = lr-free weight decay for this parameter (0 for norms and biases), optionally
 * scaled per element by `decayMask` (broadcast by repeating it over the array).
 */
export function adamwUpdate(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, s: { lr: number; bc1: number; bc2: number }, decay: number, h: AdamWHyper = ADAMW_DEFAULTS, decayMask?: Float32Array): void {
  if (g.length !== p.length || m.length !== p.length || v.length !== p.length) throw new ArgumentError(`AdamW: p, g, m, v must have one length, got ${p.length}, ${g.length}, ${m.length}, ${v.length}`);
  for (let i = 0; i < p.length; i++) {
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * g[i];
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * g[i] * g[i];
    const wd = decayMask ? decay * decayMask[i % decayMask.length] : decay;
    p[i] = p[i] * (1 - s.lr * wd) - (s.lr * (m[i] / s.bc1)) / (Math.sqrt(v[i] / s.bc2) + h.eps);
  }
}

/** The scalar inputs of a training-step graph: lr, bc1, bc2 (float32 scalars). */
export interface AdamWGraphScalars {
  lr: Value;
  bc1: Value;
  bc2: Value;
}

/**
 * The same update as graph nodes for one parameter: returns p', m', v'. `grad` must already be
 * clipped; `decay` is a number (0 = none) or a Value broadcastable to p (the mask times the decay).
 */
export function adamwUpdateGraph(g: Graph, p: Value, grad: Value, m: Value, v: Value, s: AdamWGraphScalars, decay: number | Value, h: AdamWHyper = ADAMW_DEFAULTS): { p: Value; m: Value; v: Value } {
  const c = (x: number) => g.constant(x, "float32", "adamw");
  const m2 = g.op("Add", [g.op("Mul", [m, c(h.beta1)]), g.op("Mul", [grad, c(1 - h.beta1)])]); // b1 m + (1 - b1) g
  const v2 = g.op("Add", [g.op("Mul", [v, c(h.beta2)]), g.op("Mul", [g.op("Mul", [grad, grad]), c(1 - h.beta2)])]); // b2 v + (1 - b2) g^2
  const mHat = g.op("Div", [m2, s.bc1]);
  const denom = g.op("Add", [g.op("Sqrt", [g.op("Div", [v2, s.bc2])]), c(h.eps)]); // sqrt(v^) + eps
  const stepped = g.op("Mul", [s.lr, g.op("Div", [mHat, denom])]); // lr m^ / (sqrt(v^) + eps)
  let kept = p;
  if (typeof decay !== "number" || decay !== 0) {
    const wd = typeof decay === "number" ? c(decay) : decay;
    kept = g.op("Mul", [p, g.op("Sub", [c(1), g.op("Mul", [s.lr, wd])])]); // p (1 - lr wd)
  }
  return { p: g.op("Sub", [kept, stepped]), m: m2, v: v2 };
}
