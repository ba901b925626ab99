/**
 * tensor.ts — the Tensor type: a shape, a dtype and a flat row-major buffer.
 *
 * Teaches: row-major (C-order) layout and strides, why reshape is free (same bytes, new shape)
 * while permute must move data, and how an embedding lookup is just a gather of rows.
 *
 * Kept deliberately simple: every Tensor is contiguous. `reshape` and `view` share storage;
 * `slice` along the first axis shares storage too; everything else returns a fresh Tensor.
 *
 * References: NumPy's ndarray memory layout (https://numpy.org/doc/stable/reference/arrays.ndarray.html),
 * PyTorch `Tensor.view` / `Tensor.permute`.
 */
import { type DType, type TypedArray, DTYPE_BYTES, allocate, fromFloat32Array, isFloat, toFloat32Array } from "./dtype.ts";
import { ShapeError } from "./errors.ts";
import { formatTensor } from "./format.ts";

export type Shape = readonly number[];

/** Number of elements of a shape (1 for a scalar shape []). */
export function numel(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements: strides[i] = product of shape[i+1..]. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Resolve a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number, what = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

export class Tensor {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly data: TypedArray;

  constructor(dtype: DType, shape: Shape, data: TypedArray) {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) throw new ShapeError(`invalid dimension ${d} in shape [${shape.join(", ")}]`);
    }
    if (data.length !== numel(shape)) {
      throw new ShapeError(`data has ${data.length} elements but shape [${shape.join(", ")}] needs ${numel(shape)}`);
    }
    this.dtype = dtype;
    this.shape = Object.freeze([...shape]);
    this.data = data;
  }

  /** A float32 tensor from numbers (copied) or a Float32Array (shared). */
  static from(values: ArrayLike<number> | Float32Array, shape?: Shape): Tensor {
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    return new Tensor("float32", shape ?? [data.length], data);
  }

  /** A tensor of `dtype` from plain numbers (converted, e.g. rounded to bf16). */
  static fromValues(values: ArrayLike<number>, shape: Shape, dtype: DType): Tensor {
    return new Tensor(dtype, shape, fromFloat32Array(dtype, values));
  }

  static zeros(shape: Shape, dtype: DType = "float32"): Tensor {
    return new Tensor(dtype, shape, allocate(dtype, numel(shape)));
  }

  static full(shape: Shape, value: number): Tensor {
    return new Tensor("float32", shape, new Float32Array(numel(shape)).fill(value));
  }

  /** float32 [n] holding start, start+step, ... */
  static arange(n: number, start = 0, step = 1): Tensor {
    const d = new Float32Array(n);
    for (let i = 0; i < n; i++) d[i] = start + i * step;
    return new Tensor("float32", [n], d);
  }

  get size(): number {
    return this.data.length;
  }
  get rank(): number {
    return this.shape.length;
  }
  get strides(): number[] {
    return stridesOf(this.shape);
  }
  get byteLength(): number {
    return this.size * DTYPE_BYTES[this.dtype];
  }

  /** Same storage, new shape; one dimension may be -1 (inferred). Never copies. */
  reshape(shape: Shape): Tensor {
    const known = shape.filter((d) => d !== -1);
    const infer = shape.length - known.length;
    if (infer > 1) throw new ShapeError(`reshape: at most one -1 allowed, got [${shape.join(", ")}]`);
    const k = numel(known);
    const out = shape.map((d) => (d === -1 ? (k === 0 ? 0 : this.size / k) : d));
    if (numel(out) !== this.size || out.some((d) => !Number.isInteger(d))) {
      throw new ShapeError(`reshape: cannot view [${this.shape.join(", ")}] (${this.size} elements) as [${shape.join(", ")}]`);
    }
    return new Tensor(this.dtype, out, this.data);
  }

  /** Alias of reshape (PyTorch's name). */
  view(shape: Shape): Tensor {
    return this.reshape(shape);
  }

  /** Reorder axes: out.shape[i] = this.shape[axes[i]]. Copies into a new contiguous buffer. */
  permute(axes: readonly number[]): Tensor {
    const r = this.rank;
    if (axes.length !== r) throw new ShapeError(`permute: expected ${r} axes, got ${axes.length}`);
    const ax = axes.map((a) => normAxis(a, r, "permute axis"));
    if (new Set(ax).size !== r) throw new ShapeError(`permute: axes [${axes.join(", ")}] repeat an axis`);
    const outShape = ax.map((a) => this.shape[a]);
    const inStrides = this.strides;
    const srcStride = ax.map((a) => inStrides[a]); // stride in the source for each output axis
    const out = allocate(this.dtype, this.size);
    const idx = new Array<number>(r).fill(0);
    let src = 0;
    for (let o = 0; o < this.size; o++) {
      (out as Float32Array)[o] = (this.data as Float32Array)[src];
      // Increment the output multi-index (last axis fastest) and move `src` accordingly.
      for (let d = r - 1; d >= 0; d--) {
        idx[d]++;
        src += srcStride[d];
        if (idx[d] < outShape[d]) break;
        src -= srcStride[d] * outShape[d];
        idx[d] = 0;
      }
    }
    return new Tensor(this.dtype, outShape, out);
  }

  /** Swap two axes (copies). */
  transpose(a = -2, b = -1): Tensor {
    const axes = [...Array(this.rank).keys()];
    const i = normAxis(a, this.rank);
    const j = normAxis(b, this.rank);
    [axes[i], axes[j]] = [axes[j], axes[i]];
    return this.permute(axes);
  }

  /** Elements [start, end) along `axis`. Along axis 0 this is a view (shared storage); otherwise a copy. */
  slice(axis: number, start: number, end?: number): Tensor {
    const a = normAxis(axis, this.rank);
    const n = this.shape[a];
    const s = start < 0 ? start + n : start;
    const e = end === undefined ? n : end < 0 ? end + n : end;
    if (s < 0 || e > n || s > e) throw new ShapeError(`slice: [${start}, ${end}) out of range for axis ${axis} of size ${n}`);
    const outShape = [...this.shape];
    outShape[a] = e - s;
    const inner = numel(this.shape.slice(a + 1));
    if (a === 0) return new Tensor(this.dtype, outShape, this.data.subarray(s * inner, e * inner));
    const outer = numel(this.shape.slice(0, a));
    const out = allocate(this.dtype, numel(outShape));
    const len = (e - s) * inner;
    for (let o = 0; o < outer; o++) {
      const from = (o * n + s) * inner;
      (out as Float32Array).set((this.data as Float32Array).subarray(from, from + len), o * len);
    }
    return new Tensor(this.dtype, outShape, out);
  }

  /** Concatenate tensors of one dtype along `axis`; all other dimensions must agree. */
  static concat(tensors: readonly Tensor[], axis = 0): Tensor {
    if (tensors.length === 0) throw new ShapeError("concat: no tensors");
    const t0 = tensors[0];
    const a = normAxis(axis, t0.rank);
    for (const t of tensors) {
      if (t.dtype !== t0.dtype) throw new ShapeError(`concat: dtype ${t.dtype} != ${t0.dtype}`);
      if (t.rank !== t0.rank || t.shape.some((d, i) => i !== a && d !== t0.shape[i])) {
        throw new ShapeError(`concat: shape [${t.shape.join(", ")}] does not match [${t0.shape.join(", ")}] off axis ${a}`);
      }
    }
    const outShape = [...t0.shape];
    outShape[a] = tensors.reduce((s, t) => s + t.shape[a], 0);
    const outer = numel(t0.shape.slice(0, a));
    const inner = numel(t0.shape.slice(a + 1));
    const out = allocate(t0.dtype, numel(outShape));
    let offset = 0;
    for (let o = 0; o < outer; o++) {
      for (const t of tensors) {
        const len = t.shape[a] * inner;
        (out as Float32Array).set((t.data as Float32Array).subarray(o * len, (o + 1) * len), offset);
        offset += len;
      }
    }
    return new Tensor(t0.dtype, outShape, out);
  }

  /** Pick rows along `axis` by integer ids: the embedding lookup `E[ids]` when axis = 0. */
  gather(indices: ArrayLike<number>, axis = 0): Tensor {
    const a = normAxis(axis, this.rank);
    const n = this.shape[a];
    const outer = numel(this.shape.slice(0, a));
    const inner = numel(this.shape.slice(a + 1));
    const out = allocate(this.dtype, outer * indices.length * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < indices.length; j++) {
        const id = indices[j];
        if (!Number.isInteger(id) || id < 0 || id >= n) throw new ShapeError(`gather: index ${id} out of range [0, ${n}) on axis ${a}`);
        const from = (o * n + id) * inner;
        (out as Float32Array).set((this.data as Float32Array).subarray(from, from + inner), (o * indices.length + j) * inner);
      }
    }
    const outShape = [...this.shape];
    outShape[a] = indices.length;
    return new Tensor(this.dtype, outShape, out);
  }

  /** Convert to another dtype (float conversions round to nearest even). Returns `this` when unchanged. */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this;
    return new Tensor(dtype, this.shape, fromFloat32Array(dtype, toFloat32Array(this.dtype, this.data)));
  }

  /** Values as float32 (a copy unless already float32). */
  toFloat32(): Float32Array {
    return toFloat32Array(this.dtype, this.data);
  }

  /** Plain JS numbers, flat. */
  toArray(): number[] {
    return Array.from(this.toFloat32());
  }

  /** The element at a multi-index (negative indices count from the end). */
  get(...index: number[]): number {
    if (index.length !== this.rank) throw new ShapeError(`get: expected ${this.rank} indices, got ${index.length}`);
    let flat = 0;
    const st = this.strides;
    index.forEach((i, d) => {
      const ii = i < 0 ? i + this.shape[d] : i;
      if (ii < 0 || ii >= this.shape[d]) throw new ShapeError(`get: index ${i} out of range for axis ${d} of size ${this.shape[d]}`);
      flat += ii * st[d];
    });
    const v = this.data[flat];
    if (typeof v === "bigint") return Number(v);
    return this.dtype === "float32" || this.dtype === "float64" || !isFloat(this.dtype) ? v : toFloat32Array(this.dtype, this.data.subarray(flat, flat + 1) as Uint16Array)[0];
  }

  /** The only element of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`item: tensor has ${this.size} elements`);
    return this.get(...new Array(this.rank).fill(0));
  }

  /** A fresh copy with its own storage. */
  clone(): Tensor {
    return new Tensor(this.dtype, this.shape, this.data.slice());
  }

  /** NumPy-style printout, summarized past 1000 elements. */
  toString(): string {
    return formatTensor(this);
  }
}
