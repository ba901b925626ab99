/**
 * naive_attention.ts — a test oracle: self-attention written as scalar loops over (b, h, i, j, d),
 * with explicit repeat of kv heads, rotate-half RoPE and soft-cap, independent of the library's kernels.
 */
export interface NaiveLayer {
  wq: number[][]; // [H*D][hidden]
  wk: number[][]; // [Hkv*D][hidden]
  wv: number[][];
  wo: number[][]; // [hidden][H*D]
}

function matvec(w: number[][], x: number[]): number[] {
  return w.map((row) => row.reduce((s, wi, i) => s + wi * x[i], 0));
}

function rope(x: number[], p: number, theta: number): number[] {
  const d = x.length;
  const half = d / 2;
  const out = x.slice();
  for (let i = 0; i < half; i++) {
    const a = p / Math.pow(theta, (2 * i) / d);
    out[i] = x[i] * Math.cos(a) - x[i + half] * Math.sin(a);
    out[i + half] = x[i + half] * Math.cos(a) + x[i] * Math.sin(a);
  }
  return out;
}

/** x[b][t][hidden], visible(b, i, j) -> y[b][t][hidden]. */
export function naiveAttention(
  x: number[][][],
  w: NaiveLayer,
  cfg: { H: number; Hkv: number; D: number; scale?: number; softcap?: number; theta?: number; positions?: number[][] },
  visible: (b: number, i: number, j: number) => boolean,
): number[][][] {
  const { H, Hkv, D } = cfg;
  const scale = cfg.scale ?? 1 / Math.sqrt(D);
  return x.map((row, b) => {
    const q = row.map((xt) => matvec(w.wq, xt));
    const k = row.map((xt) => matvec(w.wk, xt));
    const v = row.map((xt) => matvec(w.wv, xt));
    const head = (vec: number[], h: number) => vec.slice(h * D, (h + 1) * D);
    const pos = (t: number) => (cfg.positions ? cfg.positions[b][t] : t);
    return row.map((_, i) => {
      const o: number[] = [];
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / (H / Hkv));
        let qi = head(q[i], h);
        if (cfg.theta) qi = rope(qi, pos(i), cfg.theta);
        const s: number[] = [];
        for (let j = 0; j < row.length; j++) {
          let kj = head(k[j], g);
          if (cfg.theta) kj = rope(kj, pos(j), cfg.theta);
          let sc = qi.reduce((acc, qd, d) => acc + qd * kj[d], 0) * scale;
          if (cfg.softcap) sc = cfg.softcap * Math.tanh(sc / cfg.softcap);
          s.push(visible(b, i, j) ? sc : -Infinity);
        }
        const m = Math.max(...s);
        const e = s.map((z) => (m === -Infinity ? 0 : Math.exp(z - m)));
        const zsum = e.reduce((a, c) => a + c, 0) || 1;
        for (let d = 0; d < D; d++) o.push(e.reduce((acc, p, j) => acc + (p / zsum) * head(v[j], g)[d], 0));
      }
      return matvec(w.wo, o);
    });
  });
}
