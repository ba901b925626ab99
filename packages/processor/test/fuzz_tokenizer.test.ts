// Seeded mutational fuzzing of the tokenizer loader: mutated tokenizer.model files through the
// protobuf reader and, for every 10th it accepts, SentencePiece itself (then encode and decode),
// in a child process with a time limit. Longer runs:
//   FUZZ_CASES=100000 FUZZ_SEED=7 npx vitest run packages/processor/test/fuzz_tokenizer.test.ts
import { fuzzCases, fuzzTimeLimitMs, runFuzzIsolated } from "@paligemma-ts/tensor";
import { expect, it } from "vitest";

const CASES = fuzzCases(2000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);

it(`fuzz tokenizer: ${CASES} mutated tokenizer.model files (seed ${SEED}): only typed errors, no hang, no unbounded allocation`, () => {
  const r = runFuzzIsolated(new URL("./fuzz_targets.ts", import.meta.url).href, "runTokenizerFuzz", [CASES, SEED], CASES);
  console.log(r.summary);
  expect(r.problems).toEqual([]);
}, fuzzTimeLimitMs(CASES) + 10_000);
