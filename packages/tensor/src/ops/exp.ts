/**
 * exp.ts — elementwise e^x.
 *
 * Teaches: the exponential that softmax is built on, and why softmax subtracts the max first:
 * exp overflows float32 above x ~ 88.7 (e^88.7 ~ 3.4e38).
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.exp.html
 */
import { Tensor } from "../tensor.ts";

/** y = e^x elementwise, float32. */
export function exp(x: Tensor): Tensor {
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = Math.exp(xv[i]);
  return new Tensor("float32", x.shape, out);
}
