/** fixtures.ts — paths to the repo's fixtures and readers for their goldens. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SafetensorsFile, type Tensor } from "@paligemma-ts/tensor";

export const FIXTURES = ["paligemma-tiny", "paligemma2-tiny"] as const;

export function fixtureDir(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/${name}`, import.meta.url));
}

export interface GoldenCase {
  prompt: string;
  input_ids: number[];
  greedy_ids: number[];
  min_top2_margin: number;
  greedy_text: string;
}

export interface Golden {
  cases: GoldenCase[];
  score: { prefix: string; suffix: string; input_ids: number[]; prefix_len: number; mean_suffix_nll: number };
  tensors: Record<string, number[]>;
  /** Read a golden tensor as float32. */
  read(name: string): Tensor;
}

export function readGolden(name: string): Golden {
  const json = JSON.parse(readFileSync(`${fixtureDir(name)}/golden.json`, "utf8"));
  const file = SafetensorsFile.open(`${fixtureDir(name)}/golden.safetensors`);
  const cache = new Map<string, Tensor>();
  const read = (n: string) => {
    if (!cache.has(n)) cache.set(n, file.read(n).to("float32"));
    return cache.get(n)!;
  };
  for (const n of file.names()) read(n);
  file.close();
  return { ...json, read };
}
