/**
 * float64_ops.ts — a test oracle: `Ops` computed in float64 end to end, for finite differences of
 * whole layers.
 *
 * Why: the reference kernels round every output to float32, so a whole model's loss carries ~1e-7
 * relative noise; a finite difference divides it by the step and lands at 1e-4..1e-3, too coarse to
 * trust a gradient to 1e-4. The same layer code (selfAttention, gatedMlp, ...) run on these ops
 * keeps every intermediate in float64, and the derivative of the float64 loss is known to ~1e-9.
 * Only what the layer tests call is here (linear, add, mul, rmsNorm, geluTanh, softCap, logSoftmax
 * over the last axis, reduceSum, attention, rope, gather, param, constant); the rest throws.
 * The formulas are the reference kernels' (@paligemma-ts/tensor ops/), written once more in plain
 * float64 loops; they are an oracle, never a second implementation to ship.
 */
import { ArgumentError, type AttentionOptions, type LinearParams, type Ops, type Tensor, broadcastShapes, broadcastSourceIndex, geluTanhScalar } from "@paligemma-ts/tensor";

/** A float64 value: shape and row-major data. */
export class F64 {
  constructor(
    readonly shape: readonly number[],
    readonly data: Float64Array,
  ) {}
  static of(t: Tensor): F64 {
    return new F64(t.shape, Float64Array.from(t.toFloat32()));
  }
}

const map = (x: F64, f: (v: number) => number) => new F64(x.shape, x.data.map(f));

/** Elementwise with NumPy broadcasting (via the tensor package's index map). */
function broadcast(a: F64, b: F64 | number, f: (x: number, y: number) => number): F64 {
  const bb = typeof b === "number" ? new F64([], Float64Array.of(b)) : b;
  const shape = broadcastShapes(a.shape, bb.shape);
  const ia = broadcastSourceIndex(a.shape, shape);
  const ib = broadcastSourceIndex(bb.shape, shape);
  return new F64(shape, Float64Array.from(ia, (s, o) => f(a.data[s], bb.data[ib[o]])));
}

const unsupported = (name: string) => (): never => {
  throw new ArgumentError(`Float64Ops: ${name} is not part of this test oracle`);
};

export class Float64Ops implements Ops<F64> {
  readonly kind = "reference";
  constructor(private readonly get: (name: string) => F64) {}

  param(name: string): F64 {
    return this.get(name);
  }
  constant(value: number | Tensor): F64 {
    return typeof value === "number" ? new F64([], Float64Array.of(value)) : F64.of(value);
  }
  linear(x: F64, w: LinearParams): F64 {
    const W = this.get(w.weight);
    const b = w.bias ? this.get(w.bias) : null;
    const [O, I] = W.shape;
    const R = x.data.length / I;
    const out = new Float64Array(R * O);
    for (let r = 0; r < R; r++) {
      for (let o = 0; o < O; o++) {
        let s = b ? b.data[o] : 0;
        for (let i = 0; i < I; i++) s += x.data[r * I + i] * W.data[o * I + i];
        out[r * O + o] = s;
      }
    }
    return new F64([...x.shape.slice(0, -1), O], out);
  }
  add(a: F64, b: F64 | number): F64 {
    return broadcast(a, b, (x, y) => x + y);
  }
  mul(a: F64, b: F64 | number): F64 {
    return broadcast(a, b, (x, y) => x * y);
  }
  rmsNorm(x: F64, weight: string | null, eps: number, options: { unitOffset?: boolean } = {}): F64 {
    const w = weight ? this.get(weight).data : null;
    const D = x.shape[x.shape.length - 1];
    const out = new Float64Array(x.data.length);
    for (let r = 0; r < x.data.length / D; r++) {
      let ms = 0;
      for (let i = 0; i < D; i++) ms += x.data[r * D + i] ** 2 / D;
      for (let i = 0; i < D; i++) out[r * D + i] = (x.data[r * D + i] / Math.sqrt(ms + eps)) * (w ? (options.unitOffset ?? true ? 1 + w[i] : w[i]) : 1);
    }
    return new F64(x.shape, out);
  }
  geluTanh(x: F64): F64 {
    return map(x, geluTanhScalar);
  }
  softCap(x: F64, cap: number): F64 {
    return map(x, (v) => cap * Math.tanh(v / cap));
  }
  logSoftmax(x: F64, axis = -1): F64 {
    if (axis !== -1 && axis !== x.shape.length - 1) throw new ArgumentError("Float64Ops: logSoftmax over the last axis only");
    const n = x.shape[x.shape.length - 1];
    const out = new Float64Array(x.data.length);
    for (let r = 0; r < x.data.length / n; r++) {
      const row = x.data.subarray(r * n, (r + 1) * n);
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
      for (let i = 0; i < n; i++) out[r * n + i] = row[i] - lse;
    }
    return new F64(x.shape, out);
  }
  reduceSum(x: F64, axes: readonly number[], keepDims = false): F64 {
    const reduced = new Set(axes.map((a) => (a < 0 ? a + x.shape.length : a)));
    const kept = x.shape.map((d, i) => (reduced.has(i) ? 1 : d));
    const out = new Float64Array(kept.reduce((p, d) => p * d, 1));
    broadcastSourceIndex(kept, x.shape).forEach((s, o) => (out[s] += x.data[o])); // every element into its output slot
    return new F64(keepDims ? kept : x.shape.filter((_, i) => !reduced.has(i)), out);
  }
  /** q [B, Tq, H*D], k/v [B, Tk, Hkv*D], mask broadcast to [B, H, Tq, Tk]: the reference kernel's rules in float64. */
  attention(q: F64, k: F64, v: F64, mask: F64 | null, o: AttentionOptions): F64 {
    const [B, Tq, C] = q.shape;
    const Tk = k.shape[1];
    const { numHeads: H, numKvHeads: Hkv } = o;
    const D = C / H;
    const scale = o.scale ?? 1 / Math.sqrt(D);
    const window = o.window ?? Infinity;
    const mi = mask ? broadcastSourceIndex(mask.shape, [B, H, Tq, Tk]) : null;
    const out = new Float64Array(B * Tq * C);
    for (let b = 0; b < B; b++) {
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / (H / Hkv));
        for (let i = 0; i < Tq; i++) {
          const s = new Float64Array(Tk).fill(-Infinity);
          for (let j = 0; j < Tk; j++) {
            if (Tk - Tq + i - j >= window) continue;
            let dot = 0;
            for (let d = 0; d < D; d++) dot += q.data[(b * Tq + i) * C + h * D + d] * k.data[(b * Tk + j) * Hkv * D + g * D + d];
            const capped = o.softcap ? o.softcap * Math.tanh((dot * scale) / o.softcap) : dot * scale;
            s[j] = capped + (mi && mask ? mask.data[mi[((b * H + h) * Tq + i) * Tk + j]] : 0);
          }
          const m = Math.max(...s);
          if (m === -Infinity) continue; // fully blocked row: 0
          const e = s.map((z) => Math.exp(z - m));
          const z = e.reduce((acc, x) => acc + x, 0);
          for (let j = 0; j < Tk; j++) {
            for (let d = 0; d < D; d++) out[(b * Tq + i) * C + h * D + d] += (e[j] / z) * v.data[(b * Tk + j) * Hkv * D + g * D + d];
          }
        }
      }
    }
    return new F64([B, Tq, C], out);
  }
  rope(x: F64, cos: F64, sin: F64, numHeads: number): F64 {
    const [B, T, C] = x.shape;
    const half = cos.shape[2];
    const out = new Float64Array(x.data.length);
    for (let r = 0; r < B * T; r++) {
      for (let h = 0; h < numHeads; h++) {
        for (let i = 0; i < half; i++) {
          const [p, c, s] = [r * C + h * 2 * half + i, cos.data[r * half + i], sin.data[r * half + i]];
          out[p] = x.data[p] * c - x.data[p + half] * s;
          out[p + half] = x.data[p + half] * c + x.data[p] * s;
        }
      }
    }
    return new F64(x.shape, out);
  }
  gather(table: F64, ids: F64): F64 {
    const D = table.data.length / table.shape[0];
    const out = new Float64Array(ids.data.length * D);
    ids.data.forEach((id, n) => out.set(table.data.subarray(id * D, (id + 1) * D), n * D));
    return new F64([...ids.shape, ...table.shape.slice(1)], out);
  }
  matmul = unsupported("matmul");
  sub = unsupported("sub");
  div = unsupported("div");
  exp = unsupported("exp");
  sqrt = unsupported("sqrt");
  logSigmoid = unsupported("logSigmoid");
  layerNorm = unsupported("layerNorm");
  softmax = unsupported("softmax");
  reduceMean = unsupported("reduceMean");
  patchEmbed = unsupported("patchEmbed");
  relu = unsupported("relu");
  conv2d = unsupported("conv2d");
  convTranspose2d = unsupported("convTranspose2d");
  reshape = unsupported("reshape");
  transpose = unsupported("transpose");
  concat = unsupported("concat");
  slice = unsupported("slice");
}
