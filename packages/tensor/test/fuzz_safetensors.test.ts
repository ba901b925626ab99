// Seeded mutational fuzzing of the safetensors reader and the sharded index (targets in
// fuzz_targets.ts, mutator and runner in src/fuzz.ts), each in a child process with a time limit,
// so a hang or a crash fails the test instead of stalling the suite. Longer runs:
//   FUZZ_CASES=100000 FUZZ_SEED=7 npx vitest run packages/tensor/test/fuzz_safetensors.test.ts
import { type FuzzReport, fuzzCases, runIsolated } from "../src/index.ts";
import { describe, expect, it } from "vitest";

const CASES = fuzzCases(2000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const TIME_LIMIT_MS = Math.max(120_000, CASES * 60);

describe.each(["safetensors", "index"] as const)("fuzz %s", (target) => {
  it(`${CASES} mutated inputs: only SafetensorsErrors, no hang, no unbounded allocation`, () => {
    const r = runIsolated<FuzzReport>(new URL("./fuzz_targets.ts", import.meta.url).href, "runSafetensorsFuzz", [target, CASES, SEED], { timeoutMs: TIME_LIMIT_MS, maxOldSpaceMb: 1024 });
    expect(r.hung, `hung (no result after ${TIME_LIMIT_MS} ms); last progress: ${r.lastProgress}`).toBe(false);
    expect(r.crashed, `crashed after ${r.lastProgress}:\n${r.stderr.slice(-2000)}`).toBe(false);
    expect(r.error).toBeUndefined();
    const rep = r.value!;
    console.log(`fuzz ${target}: ${rep.cases} cases (seed ${SEED}), ${rep.ok} ok, errors ${JSON.stringify(rep.errors)}, slowest ${rep.slowestMs.toFixed(1)} ms, peak RSS ${r.maxRssMb?.toFixed(0)} MB`);
    expect(rep.findings.map((f) => `case ${f.case} ${f.kind}: ${f.detail.split("\n")[0]}`)).toEqual([]);
    expect(rep.ok).toBeGreaterThan(0); // the seeds themselves must parse
    expect(r.maxRssMb).toBeLessThan(1024);
  }, TIME_LIMIT_MS + 10_000);
});
