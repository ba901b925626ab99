/**
 * similarity_logits.ts — the image-text similarity matrix that CLIP and SigLIP train on.
 *
 * Teaches: after L2-normalizing each embedding, a matrix product gives every pair's cosine
 * similarity at once; a learned scale t (and, for SigLIP, a bias b) turns them into logits.
 *
 *   x_hat_i = x_i / ||x_i||_2                       (each row; a zero row is an error)
 *   logits[i][j] = t * <img_hat_i, txt_hat_j> + b   ([N_img, D] x [D, N_txt] -> [N_img, N_txt])
 *
 * This is Hugging Face's `logits_per_image`; `logits_per_text` is its transpose.
 *
 * Reference: CLIP, Radford et al. 2021, https://arxiv.org/abs/2103.00020 (Figure 3 pseudocode);
 * Hugging Face CLIPModel.forward / SiglipModel.forward.
 * Leaves out: the projection heads that produce the embeddings. Gradients: similarity_logits_backward.ts.
 */
import { ArgumentError, ShapeError, Tensor, add, matmul, mul } from "@paligemma-ts/tensor";

/** ||row i|| of a flat [N, D] buffer, in float64 (shared with similarity_logits_backward.ts). */
export function rowL2Norm(v: Float32Array, i: number, D: number): number {
  let ss = 0;
  for (let d = 0; d < D; d++) ss += v[i * D + d] * v[i * D + d];
  return Math.sqrt(ss);
}

/** Each row of a [N, D] tensor divided by its L2 norm (computed in float64), as float32. */
export function l2NormalizeRows(x: Tensor, name = "x"): Tensor {
  if (x.rank !== 2) throw new ShapeError(`l2NormalizeRows: ${name} must be [N, D], got [${x.shape.join(", ")}]`);
  const [N, D] = x.shape;
  const v = x.toFloat32();
  const out = new Float32Array(N * D);
  for (let i = 0; i < N; i++) {
    const norm = rowL2Norm(v, i, D);
    if (!(norm > 0) || !Number.isFinite(norm)) {
      throw new ArgumentError(`l2NormalizeRows: row ${i} of ${name} has L2 norm ${norm}; it cannot be normalized`);
    }
    for (let d = 0; d < D; d++) out[i * D + d] = v[i * D + d] / norm;
  }
  return new Tensor("float32", [N, D], out); // [N, D], unit rows
}

/** logits = scale * normalize(imageEmbeds) @ normalize(textEmbeds)^T + bias, shape [N_img, N_txt]. */
export function similarityLogits(imageEmbeds: Tensor, textEmbeds: Tensor, scale: number, bias = 0, where = "similarityLogits"): Tensor {
  if (imageEmbeds.rank !== 2 || textEmbeds.rank !== 2 || imageEmbeds.shape[1] !== textEmbeds.shape[1]) {
    throw new ShapeError(
      `${where}: imageEmbeds [${imageEmbeds.shape.join(", ")}] and textEmbeds [${textEmbeds.shape.join(", ")}] must be [N, D] with the same D`,
    );
  }
  if (!Number.isFinite(scale) || scale <= 0) throw new ArgumentError(`${where}: the logit scale t must be finite and > 0, got ${scale}`);
  if (!Number.isFinite(bias)) throw new ArgumentError(`${where}: the logit bias b must be finite, got ${bias}`);
  const img = l2NormalizeRows(imageEmbeds, "imageEmbeds"); // [N_img, D]
  const txt = l2NormalizeRows(textEmbeds, "textEmbeds"); // [N_txt, D]
  const cosine = matmul(img, txt.transpose()); // [N_img, D] @ [D, N_txt] -> [N_img, N_txt]
  return add(mul(cosine, scale), bias); // [N_img, N_txt]
}
