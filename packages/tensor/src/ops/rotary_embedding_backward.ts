/**
 * rotary_embedding_backward.ts — the gradient of RoPE is the inverse rotation.
 *
 * Teaches: per head and pair (i, i + D/2) the forward is a 2-D rotation by the angle a:
 *   [y1]   [cos a  -sin a] [x1]
 *   [y2] = [sin a   cos a] [x2]
 * A rotation matrix is orthogonal, so its Jacobian transposed is its inverse, the rotation by -a:
 *   dx1 =  dy1 cos a + dy2 sin a
 *   dx2 = -dy1 sin a + dy2 cos a
 * i.e. dx = rope(dy, cos, -sin): the forward kernel with the sin table negated. Gradients do not
 * flow into cos/sin (they are tables of positions, constants).
 *
 * References: Su et al., "RoFormer" (https://arxiv.org/abs/2104.09864); any rotation's inverse is its transpose.
 * Leaves out: gradients w.r.t. the tables (learned or scaled frequencies).
 */
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { rotaryEmbedding } from "./rotary_embedding.ts";

/** dout [B, T, H*D], cos/sin [B, T, D/2] (the forward's tables) -> dx [B, T, H*D]. */
export function rotaryEmbeddingBackward(dout: Tensor, cos: Tensor, sin: Tensor, numHeads: number): Tensor {
  if (sin.rank !== 3) throw new ShapeError(`rotaryEmbeddingBackward: sin must be [B, T, D/2], got [${sin.shape.join(", ")}]`);
  const sv = sin.toFloat32();
  const negSin = new Float32Array(sv.length);
  for (let i = 0; i < sv.length; i++) negSin[i] = -sv[i];
  return rotaryEmbedding(dout, cos, new Tensor("float32", sin.shape, negSin), numHeads); // rotate by -angle
}
