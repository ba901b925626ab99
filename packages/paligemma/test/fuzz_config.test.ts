// Seeded mutational fuzzing of config parsing (config.json + generation_config.json through
// loadPaliGemmaConfig, targets in fuzz_targets.ts), in a child process with a time limit.
// Longer runs:
//   FUZZ_CASES=100000 FUZZ_SEED=7 npx vitest run packages/paligemma/test/fuzz_config.test.ts
import { type FuzzReport, fuzzCases, runIsolated } from "@paligemma-ts/tensor";
import { expect, it } from "vitest";

const CASES = fuzzCases(2000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const TIME_LIMIT_MS = Math.max(120_000, CASES * 60);

it(`fuzz config: ${CASES} mutated config.json files: only ConfigErrors, and parsed configs keep their ranges`, () => {
  const r = runIsolated<FuzzReport>(new URL("./fuzz_targets.ts", import.meta.url).href, "runConfigFuzz", [CASES, SEED], { timeoutMs: TIME_LIMIT_MS, maxOldSpaceMb: 1024 });
  expect(r.hung, `hung (no result after ${TIME_LIMIT_MS} ms); last progress: ${r.lastProgress}`).toBe(false);
  expect(r.crashed, `crashed after ${r.lastProgress}:\n${r.stderr.slice(-2000)}`).toBe(false);
  expect(r.error).toBeUndefined();
  const rep = r.value!;
  console.log(`fuzz config: ${rep.cases} cases (seed ${SEED}), ${rep.ok} ok, errors ${JSON.stringify(rep.errors)}, slowest ${rep.slowestMs.toFixed(1)} ms, peak RSS ${r.maxRssMb?.toFixed(0)} MB`);
  expect(rep.findings.map((f) => `case ${f.case} ${f.kind}: ${f.detail.split("\n").slice(0, 3).join(" | ")}`)).toEqual([]);
  expect(rep.ok).toBeGreaterThan(0);
  expect(r.maxRssMb).toBeLessThan(1024);
}, TIME_LIMIT_MS + 10_000);
