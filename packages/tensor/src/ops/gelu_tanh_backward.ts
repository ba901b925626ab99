/**
 * gelu_tanh_backward.ts — the derivative of GELU's tanh approximation.
 *
 * Teaches: with k = sqrt(2 / pi), u = k (x + 0.044715 x^3) and t = tanh(u),
 *   gelu(x)  = 0.5 x (1 + t)
 *   gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 * 0.044715 x^2)
 * (product rule, then tanh' = 1 - tanh^2 and the chain rule through u). The first term is the gate,
 * the second how the gate moves: it makes gelu' negative below x ~ -0.75, where gelu has its minimum.
 *
 * References: llm.c `gelu_backward` (the same formula); Hendrycks & Gimpel (https://arxiv.org/abs/1606.08415).
 * Leaves out: the exact erf form.
 */
import type { Tensor } from "../tensor.ts";
import { pointwiseBackward } from "./pointwise_backward.ts";

const K = Math.sqrt(2 / Math.PI);
const C = 0.044715;

/** gelu_tanh'(x). */
export function geluTanhGrad(x: number): number {
  const t = Math.tanh(K * (x + C * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * C * x * x);
}

/** dout, x (the forward's input) -> dx = dout * gelu_tanh'(x). */
export function geluTanhBackward(dout: Tensor, x: Tensor): Tensor {
  return pointwiseBackward("geluTanhBackward", dout, x, geluTanhGrad);
}
