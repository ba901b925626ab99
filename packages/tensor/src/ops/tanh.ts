/**
 * tanh.ts — elementwise hyperbolic tangent.
 *
 * Teaches: tanh(x) = (e^x - e^-x) / (e^x + e^-x), a smooth squash into (-1, 1). Gemma 2 uses it to
 * soft-cap logits (c * tanh(s / c)) and GELU's tanh approximation is built on it.
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.tanh.html
 */
import { Tensor } from "../tensor.ts";

/** y = tanh(x) elementwise, float32. */
export function tanh(x: Tensor): Tensor {
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = Math.tanh(xv[i]);
  return new Tensor("float32", x.shape, out);
}
