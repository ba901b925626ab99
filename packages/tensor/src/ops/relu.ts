/**
 * relu.ts — the rectified linear unit, elementwise max(x, 0).
 *
 * Teaches: the simplest nonlinearity, and the one convolutional decoders (PaliGemma's VQ-VAE mask
 * decoder among them) put between their convolutions:
 *   relu(x) = x if x > 0 else 0
 * Its gradient is 1 where x > 0 and 0 elsewhere (0 at x = 0 by convention).
 *
 * Reference: https://pytorch.org/docs/stable/generated/torch.nn.ReLU.html ; V. Nair, G. Hinton (2010).
 */
import { Tensor } from "../tensor.ts";

/** y = max(x, 0) elementwise, float32 (-0 and NaN pass through as they are). */
export function relu(x: Tensor): Tensor {
  const xv = x.toFloat32();
  const out = new Float32Array(xv.length);
  for (let i = 0; i < xv.length; i++) out[i] = xv[i] < 0 ? 0 : xv[i];
  return new Tensor("float32", x.shape, out);
}
