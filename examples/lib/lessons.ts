/**
 * lessons.ts — find the lessons and check an example's output against what its doc says it prints.
 *
 * A lesson NN is three files sharing one basename "NN-<concept>":
 *   examples/NN-<concept>.ts       the runnable example (`pnpm example NN`)
 *   docs/NN-<concept>.md           the lesson text
 *   notebooks/NN-<concept>.ipynb   the Deno notebook
 *
 * The doc declares what the example must print in its "## What the example prints" section:
 *   - every line of the first ```text block in that section must appear in the example's stdout,
 *     in the same order (other output lines may come in between). Lines are compared after
 *     trimming and collapsing runs of spaces; a line that is just "..." is a visual elision
 *     and is skipped.
 *   - a placeholder `{<op> <number>}` (op one of <=, <, >=, >) stands for a number the example
 *     computes and prints, such as a max difference that is not bit-exact across machines:
 *       doc:     onnx vs reference: max |diff| {<= 1e-5}
 *       stdout:  onnx vs reference: max |diff| 3.1e-7        passes (3.1e-7 <= 1e-5)
 *       stdout:  onnx vs reference: max |diff| 0.002         fails, naming the number and the bound
 *     The printed number may be in decimal or exponent notation (0, 3.1e-7, 2.50e-6, 0.0003); the
 *     rest of the line must match as usual.
 *   - every `out/<file>.png` named (in backticks) in that section must have been written by the run.
 * So the doc shows a reader exactly what they will see, and CI fails when the two drift apart.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./plot.ts";

export interface Lesson {
  /** "07" */
  number: string;
  /** "07-rotary-embedding" */
  name: string;
  example: string;
  doc: string;
  notebook: string;
}

export const EXAMPLES_DIR = join(REPO_ROOT, "examples");
const LESSON_FILE = /^(\d{2})-[a-z0-9-]+\.ts$/;

/** Every examples/NN-*.ts, sorted, with the paths its doc and notebook should have. */
export function findLessons(): Lesson[] {
  return readdirSync(EXAMPLES_DIR)
    .filter((f) => LESSON_FILE.test(f))
    .sort()
    .map((f) => {
      const name = f.slice(0, -3);
      return {
        number: name.slice(0, 2),
        name,
        example: join(EXAMPLES_DIR, f),
        doc: join(REPO_ROOT, "docs", `${name}.md`),
        notebook: join(REPO_ROOT, "notebooks", `${name}.ipynb`),
      };
    });
}

/** The lesson numbered `n` ("7", "07" or "07-rotary-embedding"). */
export function findLesson(n: string): Lesson | undefined {
  const key = /^\d+$/.test(n) ? n.padStart(2, "0") : n.replace(/\.ts$/, "").replace(/^examples\//, "");
  return findLessons().find((l) => l.number === key || l.name === key);
}

export interface Expectations {
  /** Lines that must appear in order in stdout (normalized). */
  lines: string[];
  /** Repo-relative PNG paths the run must write. */
  pngs: string[];
}

const normalize = (s: string) => s.trim().replace(/\s+/g, " ");

/** Parse the "## What the example prints" section of a lesson doc. */
export function readExpectations(docPath: string): Expectations {
  return parseExpectations(readFileSync(docPath, "utf8"), rel(docPath));
}

/** The same from a doc's text (`doc` names it in errors). */
export function parseExpectations(text: string, doc: string): Expectations {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => /^##\s+What the example prints\s*$/.test(l));
  if (start < 0) throw new Error(`${doc} has no "## What the example prints" section`);
  let end = lines.findIndex((l, i) => i > start && /^##\s/.test(l));
  if (end < 0) end = lines.length;
  const section = lines.slice(start + 1, end);
  const open = section.findIndex((l) => /^```text\s*$/.test(l));
  const close = section.findIndex((l, i) => i > open && /^```\s*$/.test(l));
  if (open < 0 || close < 0) throw new Error(`${doc}: "What the example prints" has no closed \`\`\`text block`);
  const expected = section.slice(open + 1, close).map(normalize).filter((l) => l !== "" && l !== "...");
  if (expected.length === 0) throw new Error(`${doc}: the \`\`\`text block under "What the example prints" is empty`);
  const pngs = [...new Set([...section.join("\n").matchAll(/`(out\/[^`\s]+\.png)`/g)].map((m) => m[1]))];
  return { lines: expected, pngs };
}

type Op = "<=" | "<" | ">=" | ">";
const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const PLACEHOLDER = new RegExp(String.raw`\{\s*(<=|>=|<|>)\s*(${NUMBER})\s*\}`, "g");
const COMPARE: Record<Op, (a: number, b: number) => boolean> = { "<=": (a, b) => a <= b, "<": (a, b) => a < b, ">=": (a, b) => a >= b, ">": (a, b) => a > b };
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** How an output line is checked against one expected (normalized) line. */
export interface LineCheck {
  /** "ok"; "shape" = the text around the placeholders differs; "bound" = a number is out of bounds. */
  verdict: "ok" | "shape" | "bound";
  /** For "bound": what failed, e.g. "2.3e-3 is not <= 1e-4". */
  why?: string;
}

/** Check one normalized output line against one expected line (with `{<op> <number>}` placeholders). */
export function checkLine(want: string, got: string): LineCheck {
  const bounds: { op: Op; bound: string }[] = [];
  let pattern = "";
  let last = 0;
  for (const m of want.matchAll(PLACEHOLDER)) {
    pattern += escapeRegExp(want.slice(last, m.index)) + `(${NUMBER})`;
    bounds.push({ op: m[1] as Op, bound: m[2] });
    last = m.index + m[0].length;
  }
  if (bounds.length === 0) return { verdict: want === got ? "ok" : "shape" };
  const m = new RegExp(`^${pattern}${escapeRegExp(want.slice(last))}$`).exec(got);
  if (!m) return { verdict: "shape" };
  for (const [i, b] of bounds.entries()) {
    if (!COMPARE[b.op](Number(m[i + 1]), Number(b.bound))) return { verdict: "bound", why: `${m[i + 1]} is not ${b.op} ${b.bound}` };
  }
  return { verdict: "ok" };
}

/** Index of the first line at or after `from` that passes checkLine(want, line), or -1. */
function findLine(want: string, lines: readonly string[], from = 0): number {
  for (let i = from; i < lines.length; i++) if (checkLine(want, lines[i]).verdict === "ok") return i;
  return -1;
}

/** Mismatches between an example's stdout and its doc's expectations (empty = pass). */
export function checkOutput(stdout: string, exp: Expectations, startedAt: number): string[] {
  const out = stdout.split("\n").map(normalize);
  const problems: string[] = [];
  let at = 0;
  for (const want of exp.lines) {
    const found = findLine(want, out, at);
    if (found >= 0) {
      at = found + 1;
      continue;
    }
    const outOfBounds = out.map((l) => checkLine(want, l)).find((c) => c.verdict === "bound");
    const hint = outOfBounds
      ? `it is printed, but ${outOfBounds.why}`
      : findLine(want, out) >= 0
        ? `it is printed, but before an earlier expected line (out of order)`
        : `closest output line: "${closest(want, out)}"`;
    problems.push(`expected line not printed: "${want}"\n      ${hint}`);
  }
  for (const png of exp.pngs) {
    const p = join(REPO_ROOT, png);
    if (!existsSync(p)) problems.push(`expected ${png} to be written, it does not exist`);
    else if (statSync(p).mtimeMs < startedAt - 1000) problems.push(`expected ${png} to be written, but it is older than this run`);
  }
  return problems;
}

/** The output line with the smallest edit distance to `want`. */
function closest(want: string, lines: readonly string[]): string {
  let best = "";
  let bestD = Infinity;
  for (const l of lines) {
    if (!l) continue;
    const d = editDistance(want, l);
    if (d < bestD) [best, bestD] = [l, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

export const rel = (p: string) => p.slice(REPO_ROOT.length + 1);

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  startedAt: number;
  timedOut: boolean;
}

/** Run one example with tsx in a child process (cwd = repo root), capturing its output. */
export function runExample(lesson: Lesson, options: { echo?: boolean; timeoutMs?: number } = {}): Promise<RunResult> {
  const startedAt = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", lesson.example], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    if (options.echo) process.stdout.write(d);
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    if (options.echo) process.stderr.write(d);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 120_000);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - startedAt, startedAt, timedOut });
    });
  });
}
