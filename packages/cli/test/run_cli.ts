/** run_cli.ts — spawn the `paligemma` command as a user runs it (node bin/paligemma.mjs), for the CLI tests. */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = fileURLToPath(new URL("../bin/paligemma.mjs", import.meta.url));
/** The mask decoder every run finds by default ($PALIGEMMA_VAE): the fixture's random-weight one. */
export const VAE = join(ROOT, "fixtures", "vqvae-random", "vae-random.npz");

export const fixtureDir = (name: string) => join(ROOT, "fixtures", name);

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawn the CLI like a user would; stderr is a pipe (not a TTY), so no progress bar. */
export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, PALIGEMMA_DEBUG: "", PALIGEMMA_VAE: VAE, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolveRun({ code, stdout, stderr }));
  });
}

/** A failed run: exit code `code`, nothing on stdout, ONE "paligemma: error: ..." stderr line matching `pattern`, no stack trace. */
export function expectOneLineError(r: Run, pattern: RegExp, code?: number): void {
  console.log(`exit ${r.code}: ${r.stderr.trimEnd()}`);
  if (code === undefined) expect(r.code).not.toBe(0);
  else expect(r.code).toBe(code);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^paligemma: error: /);
  expect(lines[0]).not.toMatch(/\n\s+at /);
  expect(lines[0]).toMatch(pattern);
}
