/**
 * similarity_logits_backward.ts — gradients of the contrastive similarity matrix, through the L2
 * normalization, back to the raw embeddings, the scale t and the bias b.
 *
 * Teaches: the forward (similarity_logits.ts) is
 *   x_hat_i = x_i / ||x_i||,   logits = t * img_hat @ txt_hat^T + b
 * Backward from G = dL/dlogits [N_img, N_txt], with C = img_hat @ txt_hat^T the cosine matrix:
 *   dt = sum_ij G_ij C_ij        db = sum_ij G_ij
 *   d img_hat = t * G @ txt_hat  d txt_hat = t * G^T @ img_hat           (matmul_backward.ts)
 *   dx_i = (d x_hat_i - x_hat_i (x_hat_i . d x_hat_i)) / ||x_i||        (L2 normalization)
 * The last line projects the gradient onto the sphere's tangent plane: a normalized embedding cannot
 * change its length, so the radial part of the gradient is removed and the rest scaled by 1 / ||x||.
 *
 * References: Radford et al. 2021, CLIP (https://arxiv.org/abs/2103.00020); Zhai et al. 2023, SigLIP
 * (https://arxiv.org/abs/2303.15343); PyTorch `F.normalize` autograd (the tangent projection).
 * Leaves out: the eps clamp of F.normalize (a zero row is an error in the forward).
 */
import { ShapeError, Tensor, matmul, mul } from "@paligemma-ts/tensor";
import { l2NormalizeRows, rowL2Norm } from "./similarity_logits.ts";

/** dx [N, D] for x_hat = l2NormalizeRows(x), given dx_hat [N, D]. */
export function l2NormalizeRowsBackward(dxHat: Tensor, x: Tensor): Tensor {
  if (x.rank !== 2 || dxHat.shape.join() !== x.shape.join()) {
    throw new ShapeError(`l2NormalizeRowsBackward: dxHat [${dxHat.shape.join(", ")}] and x [${x.shape.join(", ")}] must be one [N, D] shape`);
  }
  const [N, D] = x.shape;
  const v = x.toFloat32();
  const g = dxHat.toFloat32();
  const dx = new Float32Array(N * D);
  for (let i = 0; i < N; i++) {
    const norm = rowL2Norm(v, i, D);
    let radial = 0; // x_hat . dx_hat
    for (let d = 0; d < D; d++) radial += (v[i * D + d] / norm) * g[i * D + d];
    for (let d = 0; d < D; d++) dx[i * D + d] = (g[i * D + d] - (v[i * D + d] / norm) * radial) / norm;
  }
  return new Tensor("float32", [N, D], dx);
}

export interface SimilarityLogitsGrads {
  dImageEmbeds: Tensor;
  dTextEmbeds: Tensor;
  /** dL/dt (the scale itself; for t = exp(t') the log-scale's gradient is t * dScale). */
  dScale: number;
  dBias: number;
}

/** Gradients of logits = t * normalize(img) @ normalize(txt)^T + b, from dlogits [N_img, N_txt]. */
export function similarityLogitsBackward(dlogits: Tensor, imageEmbeds: Tensor, textEmbeds: Tensor, scale: number): SimilarityLogitsGrads {
  const img = l2NormalizeRows(imageEmbeds, "imageEmbeds"); // [N_img, D]
  const txt = l2NormalizeRows(textEmbeds, "textEmbeds"); // [N_txt, D]
  if (dlogits.shape.join() !== [img.shape[0], txt.shape[0]].join()) {
    throw new ShapeError(`similarityLogitsBackward: dlogits must be [N_img, N_txt] = [${img.shape[0]}, ${txt.shape[0]}], got [${dlogits.shape.join(", ")}]`);
  }
  const cosine = matmul(img, txt.transpose()).toFloat32(); // C [N_img, N_txt]
  const g = dlogits.toFloat32();
  let dScale = 0;
  let dBias = 0;
  for (let i = 0; i < g.length; i++) {
    dScale += g[i] * cosine[i];
    dBias += g[i];
  }
  const dCos = mul(dlogits, scale); // [N_img, N_txt]
  const dImgHat = matmul(dCos, txt); // [N_img, N_txt] @ [N_txt, D]
  const dTxtHat = matmul(dCos.transpose(), img); // [N_txt, N_img] @ [N_img, D]
  return {
    dImageEmbeds: l2NormalizeRowsBackward(dImgHat, imageEmbeds),
    dTextEmbeds: l2NormalizeRowsBackward(dTxtHat, textEmbeds),
    dScale,
    dBias,
  };
}
