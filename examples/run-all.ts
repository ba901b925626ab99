/**
 * run-all.ts — `pnpm examples`: run every examples/NN-*.ts and check each one's output against
 * its doc (docs/NN-*.md, "What the example prints"; see lib/lessons.ts). Exits non-zero, naming
 * the example and the line, when an example fails, times out, or prints something its doc does
 * not say; also when a lesson lacks its doc or notebook. Two examples run at a time.
 *
 * Usage: pnpm examples [number ...]     (no numbers = all)
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { type Lesson, checkOutput, findLesson, findLessons, readExpectations, rel, runExample } from "./lib/lessons.ts";

const picked = process.argv.slice(2);
const lessons = picked.length ? picked.map((n) => findLesson(n) ?? fail(`no example matches "${n}"`)) : findLessons();
if (lessons.length === 0) fail("no examples/NN-*.ts found");

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

async function runAndCheck(lesson: Lesson): Promise<string[]> {
  const t = Date.now();
  const problems = await problemsOf(lesson);
  console.log(`${problems.length ? "FAIL" : "ok  "} ${lesson.name} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  return problems;
}

async function problemsOf(lesson: Lesson): Promise<string[]> {
  const missing = [lesson.doc, lesson.notebook].filter((p) => !existsSync(p)).map((p) => `missing ${rel(p)}`);
  if (missing.length) return missing;
  let expectations;
  try {
    expectations = readExpectations(lesson.doc);
  } catch (e) {
    return [(e as Error).message];
  }
  const r = await runExample(lesson);
  if (r.code !== 0) {
    const why = r.timedOut ? "timed out" : `exited with ${r.code ?? r.signal}`;
    const tail = (r.stderr || r.stdout).trimEnd().split("\n").slice(-15).join("\n      ");
    return [`${why}; last output:\n      ${tail}`];
  }
  return checkOutput(r.stdout, expectations, r.startedAt);
}

const failures: { lesson: Lesson; problems: string[] }[] = [];
const queue = [...lessons];
const workers = Array.from({ length: Math.min(2, availableParallelism()) }, async () => {
  for (let l = queue.shift(); l; l = queue.shift()) {
    const problems = await runAndCheck(l);
    if (problems.length) failures.push({ lesson: l, problems });
  }
});
const t0 = Date.now();
await Promise.all(workers);
for (const { lesson, problems } of failures.sort((a, b) => a.lesson.name.localeCompare(b.lesson.name))) {
  console.log(`\n${rel(lesson.example)} (doc ${rel(lesson.doc)}):\n  - ${problems.join("\n  - ")}`);
}
console.log(`\nexamples: ${lessons.length - failures.length} passed, ${failures.length} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
process.exit(failures.length ? 1 : 0);
