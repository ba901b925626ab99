/**
 * gelu_tanh.ts — GELU with the tanh approximation ("gelu_pytorch_tanh", "gelu_fast").
 *
 * Teaches: GELU(x) = x * Phi(x) weighs x by the probability that a standard normal is below it.
 * The tanh approximation, used by SigLIP and Gemma MLPs:
 *   gelu(x) = 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
 *
 * Reference: Hendrycks & Gimpel, "Gaussian Error Linear Units" (https://arxiv.org/abs/1606.08415);
 * https://pytorch.org/docs/stable/generated/torch.nn.GELU.html (approximate="tanh").
 * Leaves out: the exact erf form.
 */
import { Tensor } from "../tensor.ts";

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Scalar GELU (tanh approximation). */
export function geluTanhScalar(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
}

/** gelu_tanh(x) elementwise, float32. */
export function geluTanh(x: Tensor): Tensor {
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = geluTanhScalar(xv[i]);
  return new Tensor("float32", x.shape, out);
}
