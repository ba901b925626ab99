/**
 * conv.ts — gradient of Conv in the form the patch embedding uses: kernel = stride, no padding.
 *
 * Teaches: with non-overlapping P x Q patches a 2-D convolution IS a matrix product over patches
 * (onnx/ops/patch_embed.ts): cut x [B, C, H, W] into rows of C*P*Q values, one row per patch,
 *   X [B*Ho*Wo, C*P*Q] = transpose(reshape(x, [B, C, Ho, P, Wo, Q]), [0, 2, 4, 1, 3, 5])
 *   y = X W^T + b       W = reshape(w, [O, C*P*Q]),  Dy [B*Ho*Wo, O] = dy laid out per patch
 * so the gradients are the linear layer's:
 *   dw = reshape(Dy^T X, [O, C, P, Q])      db = sum(dy, [0, 2, 3])
 *   dx = Dy W, put back in image layout (the inverse of the cut), zero-padded where the patches did
 *        not reach (H not a multiple of P: the last rows were never read)
 * Overlapping or dilated kernels, padding and groups would need ConvTranspose and are a GradientError.
 *
 * References: Dosovitskiy et al., ViT (https://arxiv.org/abs/2010.11929); PyTorch derivatives.yaml
 * (convolution_backward); https://onnx.ai/onnx/operators/onnx__Conv.html
 */
import { intsAttr, intAttr } from "../node_attrs.ts";
import type { VjpRule } from "../vjp_rule.ts";

export const CONV_RULES: Record<string, VjpRule> = {
  // y = patches(x) W^T + b:  formulas in the header
  Conv: (c, [dy]) => {
    const [x, w] = [c.input(0), c.input(1)];
    const [B, C, H, W] = c.shape(x);
    const [O, , P, Q] = c.shape(w);
    if (c.shape(x).length !== 4) c.fail("only 2-D convolutions (x [B, C, H, W]) have a gradient rule");
    const strides = intsAttr(c.node, "strides") ?? [1, 1];
    const pads = intsAttr(c.node, "pads") ?? [0, 0, 0, 0];
    const dilations = intsAttr(c.node, "dilations") ?? [1, 1];
    const ok = strides[0] === P && strides[1] === Q && pads.every((p) => p === 0) && dilations.every((d) => d === 1) && intAttr(c.node, "group", 1) === 1; // auto_pad SAME_* fails shape inference
    if (!ok) c.fail(`the gradient rule covers kernel = stride, no padding, dilation 1, group 1 (the patch embedding); got kernel [${P}, ${Q}], strides [${strides.join(", ")}], pads [${pads.join(", ")}]`);
    const [Ho, Wo] = c.shape(dy!).slice(2);
    const rows = B * Ho * Wo;
    const Dy = () => c.reshape(c.transpose(dy!, [0, 2, 3, 1]), [rows, O]); // [B*Ho*Wo, O] (made once)
    let dx = null;
    let dw = null;
    if (c.needs(0)) {
      const X = c.matmul(Dy(), c.reshape(w, [O, C * P * Q])); // [B*Ho*Wo, C*P*Q]
      const img = c.reshape(c.transpose(c.reshape(X, [B, Ho, Wo, C, P, Q]), [0, 3, 1, 4, 2, 5]), [B, C, Ho * P, Wo * Q]);
      dx = Ho * P === H && Wo * Q === W ? img : c.op("Pad", [img, c.ints([0, 0, 0, 0, 0, 0, H - Ho * P, W - Wo * Q])]);
    }
    if (c.needs(1)) {
      const cropped = Ho * P === H && Wo * Q === W ? x : c.op("Slice", [x, c.ints([0, 0]), c.ints([Ho * P, Wo * Q]), c.ints([2, 3])]);
      const X = c.reshape(c.transpose(c.reshape(cropped, [B, C, Ho, P, Wo, Q]), [0, 2, 4, 1, 3, 5]), [rows, C * P * Q]);
      dw = c.reshape(c.matmul(c.swapLast(Dy()), X), [O, C, P, Q]); // Dy^T X
    }
    const db = c.has(2) && c.needs(2) ? c.sum(dy!, [0, 2, 3], false) : null;
    return [dx, dw, db];
  },
};
