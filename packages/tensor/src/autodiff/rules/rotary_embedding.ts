/**
 * rotary_embedding.ts — gradient of RotaryEmbedding (opset 23): the inverse rotation.
 *
 * Teaches: RoPE rotates each pair (x1, x2) of a head by the angle of its position,
 *   [y1]   [cos  -sin] [x1]
 *   [y2] = [sin   cos] [x2]
 * a rotation matrix R, orthogonal, so the VJP dx = R^T dy is the rotation by the opposite angle:
 * cos stays, sin changes sign. The backward is therefore the same node on dy with -sin:
 *   dx = RotaryEmbedding(dy, cos, -sin)      (same interleaved / num_heads / rotary_embedding_dim)
 * Dims past rotary_embedding_dim pass through unrotated in both directions. The cos/sin tables are
 * functions of the positions only: they get no gradient, nor do position_ids.
 *
 * References: Su et al., "RoFormer" (https://arxiv.org/abs/2104.09864);
 * https://onnx.ai/onnx/operators/onnx__RotaryEmbedding.html ; ../../onnx/ops/rotary_embedding.ts
 */
import type { AttrValue } from "../../onnx/graph.ts";
import { intAttr } from "../node_attrs.ts";
import type { VjpRule } from "../vjp_rule.ts";

export const ROTARY_RULES: Record<string, VjpRule> = {
  // y = R(theta) x:  dx = R(-theta) dy = RotaryEmbedding(dy, cos, -sin);  cos, sin, position_ids: none
  RotaryEmbedding: (c, [dy]) => {
    if (!c.needs(0)) return [null];
    const sin = c.input(2);
    const negSin = c.cached(`neg:${sin.name}`, () => c.neg(sin));
    const attrs: Record<string, AttrValue> = {};
    for (const name of ["interleaved", "num_heads", "rotary_embedding_dim"]) {
      const v = intAttr(c.node, name);
      if (v !== undefined) attrs[name] = v;
    }
    return [c.op("RotaryEmbedding", [dy!, c.input(1), negSin, c.has(3) ? c.input(3) : null], attrs)];
  },
};
