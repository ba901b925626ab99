/**
 * fuzz.ts — seeded mutational fuzzing: hostile variants of valid files, and a runner that records
 * every way a parser misbehaves on them.
 *
 * Teaches: a parser meets files that were cut off, bit-flipped, hand-edited or crafted. Starting
 * from a corpus of valid files ("seeds"), each case stacks 1 to 8 random mutations:
 *
 *   flip a bit            set a byte to 0, 1, 0x7f, 0x80 or 0xff      add -16..16 to a byte
 *   write a 16- or 32-bit boundary value (0, 1, 0x7fff, 0xffff, 0x7fffffff, 0xffffffff, ...) at a
 *   random offset, little or big endian (this is how length and size fields go wrong)
 *   delete, duplicate or insert a range       truncate       splice in a piece of another seed
 *
 * and the target must then either succeed or throw the error type it documents (a PaliGemmaError).
 * Anything else is a finding: another exception type (a bug: TypeError, RangeError), a case slower
 * than `slowMs` (a hang in the making), or one that raised the process's peak memory by more than
 * `memoryJumpMb` (an allocation sized by a hostile field). Case k's input depends only on (seed, k),
 * so a finding reproduces alone. Hangs and crashes are caught one level up: run the whole fuzz in
 * a child process (isolated.ts), which reports the last case it started.
 *
 * Reference: the AFL / libFuzzer mutation strategies (https://lcamtuf.coredump.cx/afl/technical_details.txt,
 * https://llvm.org/docs/LibFuzzer.html); FUZZ_CASES / FUZZ_SEED scale a run (see README, "Fuzzing").
 * Leaves out: coverage guidance (no instrumentation): the mutations are blind but seeded.
 */
import { PaliGemmaError } from "./errors.ts";
import { type IsolatedResult, reportProgress, runIsolated } from "./isolated.ts";
import { type Rng, seededRng } from "./random.ts";

export interface FuzzTarget {
  name: string;
  /** Valid inputs to mutate; each is also run once unmutated first. */
  seeds: Uint8Array[];
  /** Parse / decode one input. Returning normally or throwing an expected error are both fine. */
  run(input: Uint8Array, rng: Rng): unknown | Promise<unknown>;
  /** Whether a thrown value is the documented failure (default: any PaliGemmaError). */
  expected?(error: unknown): boolean;
  /** Custom mutation for structured inputs (JSON, ...); default: byte mutations. */
  mutate?(input: Uint8Array, rng: Rng, seeds: Uint8Array[]): Uint8Array;
}

export interface FuzzFinding {
  case: number;
  kind: "unexpected-error" | "slow" | "memory";
  detail: string;
  /** The input, base64 (first 4 KiB), to reproduce. */
  input: string;
}

export interface FuzzReport {
  target: string;
  cases: number;
  /** How many cases succeeded and how many threw each (expected) error class. */
  ok: number;
  errors: Record<string, number>;
  findings: FuzzFinding[];
  slowestMs: number;
  peakRssMb: number;
}

const BYTES = [0, 1, 0x7f, 0x80, 0xff];
const WORDS = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff];

const int = (rng: Rng, n: number) => Math.floor(rng() * n);
/** The parts in one fresh array (not a view into Buffer's shared pool). */
const join = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** One random byte-level mutation of `b` (see the header). */
function mutateOnce(b: Uint8Array, rng: Rng, seeds: Uint8Array[]): Uint8Array {
  const n = b.length;
  const at = int(rng, Math.max(1, n));
  switch (int(rng, 10)) {
    case 0:
      if (n) b[at] ^= 1 << int(rng, 8);
      return b;
    case 1:
      if (n) b[at] = BYTES[int(rng, BYTES.length)];
      return b;
    case 2:
      if (n) b[at] = (b[at] + int(rng, 33) - 16) & 0xff;
      return b;
    case 3:
    case 4: {
      const size = rng() < 0.5 ? 2 : 4;
      if (n < size) return b;
      const p = int(rng, n - size + 1);
      const v = WORDS[int(rng, WORDS.length)] % 2 ** (8 * size);
      const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const le = rng() < 0.5;
      if (size === 2) dv.setUint16(p, v, le);
      else dv.setUint32(p, v, le);
      return b;
    }
    case 5: {
      const len = 1 + int(rng, Math.min(64, Math.max(1, n - at)));
      return join(b.subarray(0, at), b.subarray(at + len));
    }
    case 6: {
      const len = 1 + int(rng, Math.min(256, Math.max(1, n - at)));
      return join(b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len));
    }
    case 7: {
      const ins = Uint8Array.from({ length: 1 + int(rng, 16) }, () => (rng() < 0.5 ? BYTES[int(rng, BYTES.length)] : int(rng, 256)));
      return join(b.subarray(0, at), ins, b.subarray(at));
    }
    case 8:
      return b.slice(0, int(rng, n + 1));
    default: {
      const other = seeds[int(rng, seeds.length)];
      const from = int(rng, Math.max(1, other.length));
      const len = int(rng, Math.min(512, other.length - from) + 1);
      return join(b.subarray(0, at), other.subarray(from, from + len), b.subarray(at + len));
    }
  }
}

/** Values that break JSON config and index fields: wrong types, boundaries, hostile paths. */
const JSON_VALUES: unknown[] = [0, -1, 1, 0.5, -0.0, 1e-300, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53, "", ".", "..", "/", "/etc/passwd", "a/b", "x".repeat(300), "\u0000", null, true, false, [], {}, [1, 107], [[]], { a: 1 }];

/** Every (container, key) pair of a parsed JSON value, depth first. */
function slots(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), slots(x, out)));
  else if (v && typeof v === "object") for (const k of Object.keys(v)) out.push([v as Record<string, unknown>, k]), slots((v as Record<string, unknown>)[k], out);
  return out;
}

/**
 * A mutated copy of a JSON document: 1 to 4 structural edits (a value replaced by a hostile one,
 * a number nudged, a key deleted or renamed, "1e400" for a number, which parses as Infinity),
 * and sometimes byte mutations of the text on top. Not JSON: byte mutations only.
 */
export function mutateJson(input: Uint8Array, rng: Rng, seeds: Uint8Array[] = [input]): Uint8Array {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(input).toString("utf8"));
  } catch {
    return mutateBytes(input, rng, seeds);
  }
  let text = "";
  const times = 1 + int(rng, 4);
  for (let i = 0; i < times; i++) {
    const all = slots(doc);
    if (all.length === 0) break;
    const [box, key] = all[int(rng, all.length)];
    const record = box as Record<string | number, unknown>;
    const r = int(rng, 5);
    if (r === 0 && !Array.isArray(box)) delete record[key];
    else if (r === 1 && typeof record[key] === "number") record[key] = (record[key] as number) + int(rng, 5) - 2;
    else if (r === 2 && !Array.isArray(box)) {
      record[`${String(key)}_`] = record[key];
      delete record[key];
    } else record[key] = structuredClone(JSON_VALUES[int(rng, JSON_VALUES.length)]); // a copy: later edits must not reach the table
  }
  text = JSON.stringify(doc);
  if (rng() < 0.15) text = text.replace(/:\s*-?\d+(\.\d+)?/, ":1e400");
  const bytes = new TextEncoder().encode(text);
  return rng() < 0.2 ? mutateBytes(bytes, rng, seeds) : bytes;
}

/** A mutated copy of `input`: 1 to 8 stacked byte mutations. */
export function mutateBytes(input: Uint8Array, rng: Rng, seeds: Uint8Array[] = [input]): Uint8Array {
  let b: Uint8Array = input.slice();
  const times = 1 + int(rng, 8);
  for (let i = 0; i < times; i++) b = mutateOnce(b, rng, seeds);
  return b;
}

/** The rng of case k: independent of every other case, so one case reproduces alone. */
export function caseRng(seed: number, k: number): Rng {
  return seededRng((seed ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0);
}

/** Cases per target: FUZZ_CASES from the environment when set, else `dflt`. */
export function fuzzCases(dflt: number): number {
  const v = Number(process.env.FUZZ_CASES);
  return Number.isInteger(v) && v > 0 ? v : dflt;
}

/** Run `cases` cases against `target` (in this process; wrap in runIsolated for hang protection). */
export async function fuzz(target: FuzzTarget, options: { cases: number; seed: number; slowMs?: number; memoryJumpMb?: number }): Promise<FuzzReport> {
  const { cases, seed } = options;
  const slowMs = options.slowMs ?? 5000;
  const jumpMb = options.memoryJumpMb ?? 256;
  const expected = target.expected ?? ((e: unknown) => e instanceof PaliGemmaError);
  const report: FuzzReport = { target: target.name, cases, ok: 0, errors: {}, findings: [], slowestMs: 0, peakRssMb: 0 };
  const rss = () => process.resourceUsage().maxRSS / 1024;
  for (let k = 0; k < cases; k++) {
    const rng = caseRng(seed, k);
    const base = target.seeds[k % target.seeds.length];
    const input = k < target.seeds.length ? base.slice() : (target.mutate ?? mutateBytes)(base, rng, target.seeds);
    if (k % 50 === 0) reportProgress(`${target.name} case ${k} (seed ${seed})`);
    const before = rss();
    const t0 = performance.now();
    try {
      await target.run(input, rng);
      report.ok++;
    } catch (e) {
      const name = (e as Error)?.constructor?.name ?? typeof e;
      if (expected(e)) report.errors[name] = (report.errors[name] ?? 0) + 1;
      else report.findings.push({ case: k, kind: "unexpected-error", detail: `${name}: ${(e as Error)?.stack ?? String(e)}`.slice(0, 2000), input: b64(input) });
    }
    const ms = performance.now() - t0;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (ms > slowMs) report.findings.push({ case: k, kind: "slow", detail: `${ms.toFixed(0)} ms (limit ${slowMs})`, input: b64(input) });
    const jump = rss() - before;
    if (jump > jumpMb) report.findings.push({ case: k, kind: "memory", detail: `peak RSS grew by ${jump.toFixed(0)} MB (limit ${jumpMb})`, input: b64(input) });
  }
  report.peakRssMb = rss();
  return report;
}

const b64 = (b: Uint8Array) => Buffer.from(b.subarray(0, 4096)).toString("base64");

/** Time limit for a fuzz run of `cases` cases: 60 ms a case, at least 2 minutes. */
export function fuzzTimeLimitMs(cases: number): number {
  return Math.max(120_000, cases * 60);
}

/**
 * Run `exportName(...args)` (a function returning a FuzzReport) in a child process (runIsolated)
 * and list every problem: a hang, a crash, a thrown error, each finding, a peak RSS of 1 GB or
 * more, and no successful case at all (the seeds must parse). `summary` is one printable line.
 */
export function runFuzzIsolated(moduleUrl: string, exportName: string, args: unknown[], cases: number): { report?: FuzzReport; problems: string[]; summary: string } {
  const limit = fuzzTimeLimitMs(cases);
  const r: IsolatedResult<FuzzReport> = runIsolated<FuzzReport>(moduleUrl, exportName, args, { timeoutMs: limit, maxOldSpaceMb: 1024 });
  const problems: string[] = [];
  if (r.hung) problems.push(`hung: no result after ${limit} ms; last progress: ${r.lastProgress}`);
  if (r.crashed) problems.push(`crashed after ${r.lastProgress}: ${r.stderr.slice(-2000)}`);
  if (r.error) problems.push(`the run threw ${r.error.name}: ${r.error.message}`);
  const rep = r.value;
  if (rep) {
    for (const f of rep.findings) problems.push(`case ${f.case} ${f.kind}: ${f.detail.split("\n").slice(0, 3).join(" | ")}`);
    if (rep.ok === 0) problems.push("no case succeeded: the seeds themselves must parse");
  }
  if ((r.maxRssMb ?? 0) >= 1024) problems.push(`peak RSS ${r.maxRssMb?.toFixed(0)} MB (limit 1024)`);
  const summary = rep
    ? `fuzz ${rep.target}: ${rep.cases} cases, ${rep.ok} ok, errors ${JSON.stringify(rep.errors)}, slowest ${rep.slowestMs.toFixed(1)} ms, peak RSS ${r.maxRssMb?.toFixed(0)} MB`
    : `fuzz ${exportName}(${JSON.stringify(args)}): no report`;
  return { report: rep, problems, summary };
}
