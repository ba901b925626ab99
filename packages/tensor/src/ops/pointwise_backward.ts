/**
 * pointwise_backward.ts — the loop every elementwise backward shares: dx[i] = dout[i] * f'(i).
 *
 * Teaches: an elementwise op y[i] = f(x[i]) has a diagonal Jacobian, so its vector-Jacobian product
 * is one multiplication per element; the only question is what f' needs: the input (gelu, soft-cap,
 * log-sigmoid) or the output, which is cheaper when f' is a function of y (exp: y, tanh: 1 - y^2,
 * sqrt: 1 / (2y)). Each op's file says which and derives f'.
 *
 * Reference: PyTorch derivatives.yaml (`tanh_backward(grad, result)`, `exp: grad * result`).
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";

/** dx[i] = dout[i] * slope(saved[i]), float32; `saved` is x or y (the op's own choice), shaped like dout. */
export function pointwiseBackward(name: string, dout: Tensor, saved: Tensor, slope: (v: number) => number): Tensor {
  if (dout.shape.join() !== saved.shape.join()) {
    throw new ShapeError(`${name}: dout [${dout.shape.join(", ")}] and the saved tensor [${saved.shape.join(", ")}] must have one shape`);
  }
  const gv = dout.toFloat32();
  const sv = saved.toFloat32();
  const dx = new Float32Array(gv.length);
  for (let i = 0; i < gv.length; i++) dx[i] = gv[i] * slope(sv[i]);
  return new Tensor("float32", dout.shape, dx);
}
