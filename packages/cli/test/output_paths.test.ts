/**
 * output_paths.test.ts — outputs are checked before the model runs and never overwrite an input;
 * a model whose logits are not finite is an error (exit 1), not a NaN result.
 *
 *   - `--draw out.webp`: a usage error (exit 2) and nothing on stdout (before this check the model
 *     ran and printed its answer first);
 *   - `--draw` naming the `--image` file, or a hard link to it: refused, the image unchanged;
 *   - `--draw` at an existing folder or under a file: refused;
 *   - `--length-penalty` without `--num-beams`: refused (it would be ignored);
 *   - `train --out` the same folder as `--init`: refused before training starts;
 *   - `score` / `generate` on a checkpoint with a NaN weight: exit 1 naming the first non-finite layer.
 */
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Checkpoint, Tensor, writeSafetensors } from "@paligemma-ts/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { cli, expectOneLineError, fixtureDir } from "./run_cli.ts";

const tmp = mkdtempSync(join(tmpdir(), "paligemma-out-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const model = fixtureDir("paligemma-tiny");
const base = ["generate", "--model", model, "--prompt", "detect cat", "--max-new-tokens", "2"];

describe("output paths are checked before the model loads", () => {
  const image = join(tmp, "photo.png");
  copyFileSync(join(model, "image.png"), image);
  const before = readFileSync(image);

  it("--draw with an unknown extension", async () => {
    expectOneLineError(await cli([...base, "--image", image, "--draw", join(tmp, "out.webp")]), /--draw '.*out\.webp': unknown image extension "\.webp"/, 2);
  });
  it("--draw naming the input image, directly, through '..' or a hard link: refused, the photo unchanged", async () => {
    const link = join(tmp, "link.png");
    linkSync(image, link);
    for (const draw of [image, join(tmp, "sub", "..", "photo.png"), link]) {
      mkdirSync(join(tmp, "sub"), { recursive: true });
      expectOneLineError(await cli([...base, "--image", image, "--draw", draw]), /--draw '.*' is the --image input '.*photo\.png': refusing to overwrite it/, 2);
    }
    expect(readFileSync(image).equals(before)).toBe(true);
  });
  it("--draw at an existing folder, or below a file", async () => {
    expectOneLineError(await cli([...base, "--image", image, "--draw", tmp]), /--draw '.*' exists and is not a file/, 2);
    expectOneLineError(await cli([...base, "--image", image, "--draw", join(image, "x.png")]), /--draw '.*x\.png': '.*photo\.png' is not a folder/, 2);
  });
  it("--length-penalty without --num-beams", async () => {
    expectOneLineError(await cli([...base, "--image", image, "--length-penalty", "2"]), /--length-penalty only applies to beam search: add --num-beams N/, 2);
  });
  it("a good --draw path still draws (the folder is created)", async () => {
    const out = join(tmp, "new", "boxes.png");
    const r = await cli([...base, "--image", image, "--draw", out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out).subarray(1, 4).toString()).toBe("PNG");
  });
  it("train --out equal to --init", async () => {
    const init = join(tmp, "init");
    mkdirSync(init);
    expectOneLineError(await cli(["train", "--out", join(init, "."), "--init", init, "--steps", "1"]), /--out '.*' is the --init input/, 2);
  });
});

describe("non-finite logits are an error", () => {
  it("score and generate on a checkpoint with one NaN weight: exit 1 naming the first non-finite layer", async () => {
    const dir = join(tmp, "nan-model");
    mkdirSync(dir);
    for (const f of ["config.json", "tokenizer.model"]) copyFileSync(join(model, f), join(dir, f));
    const ckpt = Checkpoint.open(model);
    const tensors: Record<string, Tensor> = {};
    for (const n of ckpt.names()) tensors[n] = ckpt.read(n);
    ckpt.close();
    const name = "language_model.model.layers.1.self_attn.o_proj.weight";
    const w = Float32Array.from(tensors[name].toFloat32());
    w[5] = Number.NaN;
    tensors[name] = new Tensor("float32", tensors[name].shape, w);
    writeSafetensors(join(dir, "model.safetensors"), tensors);
    const image = join(model, "image.png");
    const score = await cli(["score", "--model", dir, "--image", image, "--prefix", "caption en", "--suffix", "a cat", "--json"]);
    expectOneLineError(score, /decoder logits \(prefill\): value NaN .*first non-finite output: text\.layer1\.output/, 1);
    const gen = await cli(["generate", "--model", dir, "--image", image, "--prompt", "caption en", "--json"]);
    expectOneLineError(gen, /first non-finite output: text\.layer1\.output/, 1);
  });
});
