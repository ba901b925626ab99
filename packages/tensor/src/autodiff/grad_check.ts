/**
 * grad_check.ts — checking an analytic gradient against finite differences (torch.autograd.gradcheck).
 *
 * Teaches: a backward kernel is only as good as the test that can catch it lying. For a function
 * y = f(x_1, ..., x_k) with tensor outputs, pick a random "upstream gradient" R of y's shape and
 * study the scalar L = sum(R * f(x)). Then dL/dx_i is exactly what the backward kernel returns when
 * it is seeded with dout = R, and for a random direction v of x_i's shape
 *   analytic:  g_i . v                                         (the backward kernel, seeded with R)
 *   numeric:   [8 (L(x+hv) - L(x-hv)) - (L(x+2hv) - L(x-2hv))] / (12 h)     (central, 4 points)
 * The 4-point stencil (Richardson extrapolation of the 2-point one) has truncation error O(h^4), so
 * h can be large enough (1% of x's RMS by default) that float32 rounding in the forward, ~1e-7 |L|
 * divided by h, stays near 1e-5 relative: the float32 forward kernels themselves are the oracle, no
 * float64 copy of them is needed. The error of one check is
 *   err = |numeric - analytic| / max(|numeric|, |analytic|, ||g_i||, floor)
 * ||g_i|| is the typical size of g_i . v for v ~ N(0, I), so a direction that happens to be almost
 * orthogonal to g_i cannot inflate the error; `floor` (absolute) covers g_i = 0.
 * A random projection sees every element at once: a wrong element of size d moves g_i . v by
 * d * |v_j|, so one bad entry out of n still shows up as roughly 1/sqrt(n) relative error.
 *
 * References: PyTorch torch.autograd.gradcheck (https://pytorch.org/docs/stable/autograd.html#numerical-gradient-checking);
 * Karpathy, "Yes you should understand backprop" and llm.c's test_gpt2 (gradient checks against a reference);
 * Press et al., Numerical Recipes, section 5.7 (step size for numerical derivatives).
 * Non-finite input entries (e.g. -Infinity logits) are never moved: v is 0 there.
 * Leaves out: non-differentiable points (kinks, ties) — tests keep their inputs away from them.
 */
import { ArgumentError, ShapeError } from "../errors.ts";
import { type Rng, randNormal, seededRng } from "../random.ts";
import { Tensor } from "../tensor.ts";

export interface GradCheckOptions {
  /** Random directions per checked input (default 3). */
  directions?: number;
  /** Step as a fraction of each input's RMS (default 1e-2), one for all inputs or one per input; an all-zero input uses the fraction itself. */
  step?: number | readonly number[];
  /** Absolute floor of the error's denominator (default 1e-6). */
  floor?: number;
  /** Randomness for R and the directions (default seededRng(1234)). */
  rng?: Rng;
}

export interface GradCheck {
  /** Which input (its index) and the two directional derivatives. */
  input: number;
  numeric: number;
  analytic: number;
  relErr: number;
}

export interface GradCheckReport {
  /** The largest relative error over every check (0 if nothing was checked). */
  maxRelErr: number;
  checks: GradCheck[];
}

/** The forward under test: float32 input tensors -> one output tensor. */
export type GradCheckForward = (inputs: Tensor[]) => Tensor;
/** The backward under test: the same inputs and dout (R) -> one gradient per input, null = not checked. */
export type GradCheckBackward = (inputs: Tensor[], dout: Tensor) => readonly (Tensor | null)[];

/** sum(R * y) in float64. */
function project(r: Float32Array, y: Tensor): number {
  const yv = y.toFloat32();
  if (yv.length !== r.length) throw new ShapeError(`gradCheck: the forward returned ${yv.length} elements, first call returned ${r.length}`);
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * yv[i];
  return s;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * The engine under gradCheck, on flat arrays: a scalar `loss` of float64 inputs, the claimed
 * gradients (null = not checked) and the point to check at. The inputs are moved in float64, so a
 * loss computed in float64 (a test's float64 oracle) is checked to ~1e-10; gradCheck wraps it for
 * float32 Tensor forwards.
 */
export function finiteDifferenceCheck(
  loss: (inputs: Float64Array[]) => number,
  gradients: readonly (ArrayLike<number> | null)[],
  inputs: readonly ArrayLike<number>[],
  options: GradCheckOptions = {},
): GradCheckReport {
  const directions = options.directions ?? 3;
  const steps = options.step ?? 1e-2;
  const floor = options.floor ?? 1e-6;
  const rng = options.rng ?? seededRng(1234);
  const stepOf = (i: number): number => (typeof steps === "number" ? steps : steps[i]);
  const xs = inputs.map((x) => Float64Array.from(x));
  if (gradients.length !== xs.length) throw new ArgumentError(`gradCheck: ${gradients.length} gradients for ${xs.length} inputs`);
  const checks: GradCheck[] = [];
  for (const [i, g] of gradients.entries()) {
    if (!(stepOf(i) > 0)) throw new ArgumentError(`gradCheck: step ${i} must be > 0, got ${stepOf(i)}`);
    if (g === null) continue;
    const x = xs[i];
    if (g.length !== x.length) throw new ShapeError(`gradCheck: gradient ${i} has ${g.length} elements, input has ${x.length}`);
    let ss = 0;
    let finite = 0;
    for (const value of x) {
      if (!Number.isFinite(value)) continue;
      ss += value * value;
      finite++;
    }
    const rms = Math.sqrt(ss / Math.max(1, finite)); // -Infinity entries (masked logits) are not moved
    const h = stepOf(i) * (rms > 0 ? rms : 1);
    const gNorm = Math.sqrt(dot(g, g));
    for (let d = 0; d < directions; d++) {
      const v = randNormal([x.length], rng).data as Float32Array;
      for (let j = 0; j < v.length; j++) if (!Number.isFinite(x[j])) v[j] = 0;
      const at = (m: number): number => {
        const moved = new Float64Array(x.length);
        for (let j = 0; j < x.length; j++) moved[j] = x[j] + m * h * v[j];
        const args = xs.slice();
        args[i] = moved;
        return loss(args);
      };
      const numeric = (8 * (at(1) - at(-1)) - (at(2) - at(-2))) / (12 * h);
      const analytic = dot(g, v);
      const relErr = Math.abs(numeric - analytic) / Math.max(Math.abs(numeric), Math.abs(analytic), gNorm, floor);
      checks.push({ input: i, numeric, analytic, relErr: Number.isNaN(relErr) ? Infinity : relErr });
    }
  }
  return { maxRelErr: checks.reduce((m, c) => Math.max(m, c.relErr), 0), checks };
}

/** Check every non-null gradient of `backward` against 4-point central differences of `forward`. */
export function gradCheck(forward: GradCheckForward, backward: GradCheckBackward, inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckReport {
  const rng = options.rng ?? seededRng(1234);
  const xs = inputs.map((x) => x.to("float32"));
  const R = randNormal(forward(xs).shape, rng); // the upstream gradient dout
  const grads = backward(xs, R);
  if (grads.length !== xs.length) throw new ArgumentError(`gradCheck: backward returned ${grads.length} gradients for ${xs.length} inputs`);
  for (const [i, g] of grads.entries()) {
    if (g && g.shape.join() !== xs[i].shape.join()) {
      throw new ShapeError(`gradCheck: gradient ${i} has shape [${g.shape.join(", ")}], input is [${xs[i].shape.join(", ")}]`);
    }
  }
  const rv = R.data as Float32Array;
  const loss = (moved: Float64Array[]) => project(rv, forward(moved.map((m, i) => new Tensor("float32", xs[i].shape, Float32Array.from(m)))));
  return finiteDifferenceCheck(loss, grads.map((g) => (g ? g.toFloat32() : null)), xs.map((x) => x.data as Float32Array), { ...options, rng });
}
