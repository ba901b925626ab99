/**
 * binary_backward.ts — gradients of add, sub, mul, div with NumPy broadcasting, and `unbroadcast`.
 *
 * Teaches: broadcasting reads one input element many times (stride 0), so in the backward every
 * output position that read it sends its gradient back and they add up. `unbroadcast(g, shape)`
 * sums g [out shape] over the axes the forward stretched: the leading axes `shape` lacks, and every
 * axis where `shape` has 1 but the output does not:
 *   a [4, 1, 3] op b [5, 1] -> out [4, 5, 3]:   da = sum of g over axis 1 (kept as 1)
 *                                               db = sum of g over axis 0, then over axis 2 (kept)
 * With g = dL/dout (already broadcast to the output shape) the four rules are
 *   out = a + b:   da = unbroadcast(g, a),        db = unbroadcast(g, b)
 *   out = a - b:   da = unbroadcast(g, a),        db = unbroadcast(-g, b)
 *   out = a * b:   da = unbroadcast(g * b, a),    db = unbroadcast(g * a, b)
 *   out = a / b:   da = unbroadcast(g / b, a),    db = unbroadcast(-g * a / b^2, b)
 *
 * References: PyTorch derivatives.yaml (add, sub, mul, div; `sum_to_size`);
 * Karpathy, "Building makemore Part 4: Becoming a Backprop Ninja" (broadcast = sum in the backward).
 * Leaves out: integer inputs (no gradient), in-place updates.
 */
import { ShapeError } from "../errors.ts";
import { type Shape, Tensor, numel } from "../tensor.ts";
import { broadcastShapes, broadcastStrides, div, mul } from "./binary.ts";

export interface BinaryGrads {
  da: Tensor;
  db: Tensor;
}

/** For each element of `outShape` (row-major), the flat index it reads in a tensor of `inShape` broadcast to it. */
export function broadcastSourceIndex(inShape: Shape, outShape: Shape): Int32Array {
  const strides = broadcastStrides(inShape, outShape); // 0 on every stretched axis
  const src = new Int32Array(numel(outShape));
  const idx = new Array<number>(outShape.length).fill(0);
  let s = 0;
  for (let o = 0; o < src.length; o++) {
    src[o] = s;
    for (let d = outShape.length - 1; d >= 0; d--) {
      idx[d]++;
      s += strides[d];
      if (idx[d] < outShape[d]) break;
      s -= strides[d] * outShape[d];
      idx[d] = 0;
    }
  }
  return src;
}

/** Sum `grad` [out shape] down to `shape` (which must broadcast to it): the backward of broadcasting. */
export function unbroadcast(grad: Tensor, shape: Shape): Tensor {
  let src: Int32Array;
  try {
    src = broadcastSourceIndex(shape, grad.shape);
  } catch {
    throw new ShapeError(`unbroadcast: shape [${shape.join(", ")}] does not broadcast to the gradient's [${grad.shape.join(", ")}]`);
  }
  const gv = grad.toFloat32();
  const acc = new Float64Array(numel(shape));
  for (let o = 0; o < gv.length; o++) acc[src[o]] += gv[o]; // every read of an element sends its gradient back
  return new Tensor("float32", shape, Float32Array.from(acc));
}

/** The broadcast output shape, checked against dout's. */
function checkDout(name: string, dout: Tensor, aShape: Shape, bShape: Shape): void {
  let shape: number[];
  try {
    shape = broadcastShapes(aShape, bShape);
  } catch (e) {
    throw new ShapeError(`${name}: ${(e as Error).message}`);
  }
  if (shape.join() !== dout.shape.join()) {
    throw new ShapeError(`${name}: dout is [${dout.shape.join(", ")}] but a [${aShape.join(", ")}] and b [${bShape.join(", ")}] broadcast to [${shape.join(", ")}]`);
  }
}

/** t = -t (t is a fresh float32 gradient this file owns). */
function negateInPlace(t: Tensor): Tensor {
  const v = t.data as Float32Array;
  for (let i = 0; i < v.length; i++) v[i] = -v[i];
  return t;
}

/** out = a + b: da = unbroadcast(dout, aShape), db = unbroadcast(dout, bShape). */
export function addBackward(dout: Tensor, aShape: Shape, bShape: Shape): BinaryGrads {
  checkDout("addBackward", dout, aShape, bShape);
  return { da: unbroadcast(dout, aShape), db: unbroadcast(dout, bShape) };
}

/** out = a - b: da = unbroadcast(dout, aShape), db = -unbroadcast(dout, bShape). */
export function subBackward(dout: Tensor, aShape: Shape, bShape: Shape): BinaryGrads {
  checkDout("subBackward", dout, aShape, bShape);
  return { da: unbroadcast(dout, aShape), db: negateInPlace(unbroadcast(dout, bShape)) };
}

/** out = a * b: da = unbroadcast(dout * b, a), db = unbroadcast(dout * a, b). */
export function mulBackward(dout: Tensor, a: Tensor, b: Tensor): BinaryGrads {
  checkDout("mulBackward", dout, a.shape, b.shape);
  return {
    da: unbroadcast(mul(dout, b), a.shape),
    db: unbroadcast(mul(dout, a), b.shape),
  };
}

/** out = a / b: da = unbroadcast(dout / b, a), db = unbroadcast(-dout * a / b^2, b). */
export function divBackward(dout: Tensor, a: Tensor, b: Tensor): BinaryGrads {
  checkDout("divBackward", dout, a.shape, b.shape);
  return {
    da: unbroadcast(div(dout, b), a.shape),
    db: negateInPlace(unbroadcast(mul(div(div(dout, b), b), a), b.shape)),
  };
}
