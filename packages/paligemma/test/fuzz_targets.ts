/**
 * fuzz_targets.ts — config parsing as a fuzz target, run in a child process by fuzz_config.test.ts.
 *
 *   config   a mutated config.json (JSON edits: hostile values, deleted or renamed keys, 1e400, and
 *            byte edits of the text) in a folder, with a mutated generation_config.json every
 *            other case, read by loadPaliGemmaConfig
 *
 * It must succeed or throw ConfigError; a successful parse must also satisfy the ranges the
 * config promises (positive sizes, ids inside the vocabulary, finite epsilons), so a value that
 * slips through the checks is a finding too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "@paligemma-ts/core";
import { type FuzzReport, fuzz, mutateJson } from "@paligemma-ts/tensor";
import { loadPaliGemmaConfig, type PaliGemmaConfig } from "../src/index.ts";
import { FIXTURES, fixtureDir } from "./fixtures.ts";

class RangeFinding extends Error {}

/** What a parsed config promises (each broken promise would surface later as NaN or a crash). */
function checkRanges(c: PaliGemmaConfig): void {
  const t = c.text_config;
  const v = c.vision_config;
  const sizes = [t.vocab_size, t.hidden_size, t.intermediate_size, t.num_hidden_layers, t.num_attention_heads, t.num_key_value_heads, t.head_dim, t.max_position_embeddings, v.hidden_size, v.image_size, v.patch_size, c.num_image_tokens];
  if (!sizes.every((x) => Number.isInteger(x) && x > 0)) throw new RangeFinding(`a size is not a positive integer: ${sizes}`);
  for (const x of [t.rms_norm_eps, t.rope_theta, v.layer_norm_eps]) if (!(Number.isFinite(x) && x > 0)) throw new RangeFinding(`not finite > 0: ${x}`);
  for (const id of [c.image_token_index, c.bos_token_id, c.pad_token_id, ...c.eos_token_ids]) if (!(Number.isInteger(id) && id >= 0 && id < t.vocab_size)) throw new RangeFinding(`id ${id} outside vocab ${t.vocab_size}`);
  if (t.model_type === "gemma2") {
    for (const x of [t.attn_logit_softcapping, t.final_logit_softcapping]) if (x !== null && !(Number.isFinite(x) && x > 0)) throw new RangeFinding(`softcap ${x}`);
    if (t.sliding_window !== null && !(Number.isInteger(t.sliding_window) && t.sliding_window > 0)) throw new RangeFinding(`window ${t.sliding_window}`);
  }
}

export async function runConfigFuzz(cases: number, seed: number): Promise<FuzzReport> {
  const dir = mkdtempSync(join(tmpdir(), "fuzz-config-"));
  const gen = join(dir, "generation_config.json");
  const seeds = [...FIXTURES.map((f) => new Uint8Array(readFileSync(join(fixtureDir(f), "config.json")))), new TextEncoder().encode('{"eos_token_id": [1, 107], "max_new_tokens": 10}')];
  try {
    return await fuzz(
      {
        name: "config",
        seeds,
        mutate: mutateJson,
        run(input, rng) {
          writeFileSync(join(dir, "config.json"), input);
          if (rng() < 0.5) writeFileSync(gen, mutateJson(seeds[2], rng));
          else rmSync(gen, { force: true });
          checkRanges(loadPaliGemmaConfig(dir));
        },
        expected: (e) => e instanceof ConfigError,
      },
      { cases, seed },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
