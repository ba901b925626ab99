/**
 * autodiff — reverse-mode differentiation on the reference side: a gradient checker against finite
 * differences, and `TapeOps`, the `Ops` implementation that records a tape and walks it backward
 * through the backward kernels of ../ops/.
 */
export { gradCheck, finiteDifferenceCheck, type GradCheck, type GradCheckBackward, type GradCheckForward, type GradCheckOptions, type GradCheckReport } from "./grad_check.ts";
export { TapeOps, type BackwardOptions, type Gradients } from "./tape_ops.ts";
