/**
 * run-one.ts — `pnpm example 7` runs examples/07-*.ts, shows its output, then checks it against
 * the "What the example prints" block of docs/07-*.md (see lib/lessons.ts).
 *
 * Usage: pnpm example <number | name>      e.g. `pnpm example 4`, `pnpm example 04-attention-masks`
 */
import { checkOutput, findLesson, findLessons, readExpectations, rel, runExample } from "./lib/lessons.ts";

const arg = process.argv[2];
const lesson = arg ? findLesson(arg) : undefined;
if (!lesson) {
  const list = findLessons().map((l) => `  ${l.number}  ${l.name}`).join("\n");
  console.error(`${arg ? `no example matches "${arg}"` : "usage: pnpm example <number>"}; the examples are:\n${list}`);
  process.exit(2);
}
const result = await runExample(lesson, { echo: true });
if (result.code !== 0) {
  console.error(`\n${rel(lesson.example)} failed (${result.timedOut ? "timed out" : `exit ${result.code ?? result.signal}`})`);
  process.exit(1);
}
const problems = checkOutput(result.stdout, readExpectations(lesson.doc), result.startedAt);
if (problems.length) {
  console.error(`\n${rel(lesson.example)}: its output differs from ${rel(lesson.doc)}:\n  - ${problems.join("\n  - ")}`);
  process.exit(1);
}
console.log(`\n(${(result.ms / 1000).toFixed(1)} s; output matches ${rel(lesson.doc)})`);
