/**
 * weight_spec.ts — how a model says which tensors it needs from a checkpoint.
 *
 * Teaches: a checkpoint is a flat dictionary name -> tensor (Hugging Face names such as
 * `language_model.model.layers.0.self_attn.q_proj.weight`). Each model lists the names and shapes it
 * expects, derived from its config alone; a loader compares that list with the file (missing,
 * unexpected, mis-shaped) before any weight is used; the model then refers to weights by these names.
 *
 * Reference: PyTorch `Module.load_state_dict(strict=True)` (missing_keys / unexpected_keys).
 */

/** One expected checkpoint tensor. */
export interface WeightSpec {
  name: string;
  shape: readonly number[];
}
