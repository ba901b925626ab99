/**
 * splits.ts — train / validation / test examples that are disjoint twice: by seed and by scene.
 *
 * Teaches: "test scenes never seen in training" needs two guarantees, both by construction.
 *
 *   1. Disjoint seeds. Example `index` of split s (train 0, validation 1, test 2) is generated
 *      from the generator seeded with
 *
 *        seed(s, index) = fmix32(3 * index + s)        (index < 2^32 / 3)
 *
 *      3 * index + s never repeats across (s, index), and fmix32 (MurmurHash3's finalizer) is a
 *      bijection on 32-bit integers, so no two examples of any split share a generator state.
 *      The mixing keeps neighbouring seeds' mulberry32 streams from being shifted copies.
 *
 *   2. Disjoint scenes. Different seeds can still draw the same scene (a single red circle of size
 *      16 at (8, 8) is one of only ~10^4 one-object layouts). Every scene is assigned to a split by
 *      a hash of its canonical key (scene.ts: what a task can ask about, ignoring noise and tint):
 *
 *        bucket = fnv1a32(sceneKey) mod 20:   0 -> test,  1 -> validation,  2..19 -> train
 *
 *      and a split's sampler redraws (from the same generator) until the scene is in its own
 *      bucket. A test scene's key therefore never occurs in training, however long training runs:
 *      collisions are excluded, not just rare. They would not be rare: with disjoint seeds alone,
 *      32% of test scenes share their key with one of just 60,000 training examples (83% of
 *      one-object scenes, 51% of text scenes; measured by test/splits.test.ts), and a real run
 *      draws ten times more.
 *
 * Cost: 5% of all scenes are withheld from training; the test sampler draws ~20 layouts per
 * accepted scene (layouts are cheap; only the accepted one is rendered).
 *
 * References: Appleby, MurmurHash3 (fmix32); Fowler-Noll-Vo hash (FNV-1a, 32-bit).
 *
 * Leaves out: stratifying the test set by task or object count (the task mix samples it).
 */
import { ArgumentError, seededRng } from "@paligemma-ts/tensor";
import { type Example, type TaskWeights, DEFAULT_TASK_WEIGHTS, sampleExample, sampleTaskScene } from "./sampler.ts";
import { type Scene, sceneKey } from "./scene.ts";
import type { TaskName } from "./tasks.ts";
import type { WorldConfig } from "./world_config.ts";

export const SPLITS = ["train", "validation", "test"] as const;
export type Split = (typeof SPLITS)[number];

const SPLIT_ID: Readonly<Record<Split, number>> = { train: 0, validation: 1, test: 2 };
/** Scenes are hashed into this many buckets; test owns bucket 0, validation bucket 1. */
export const SPLIT_BUCKETS = 20;
const MAX_INDEX = Math.floor(2 ** 32 / 3);

/** MurmurHash3's 32-bit finalizer: a bijection that mixes every input bit into every output bit. */
export function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** FNV-1a over the UTF-16 code units of `s` (the keys are ASCII). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function checkSplit(split: Split, where: string): void {
  if (!(split in SPLIT_ID)) throw new ArgumentError(`${where}: split must be one of ${SPLITS.join(", ")}, got ${JSON.stringify(split)}`);
}

/** The generator seed of example `index` of `split`. */
export function exampleSeed(split: Split, index: number): number {
  checkSplit(split, "exampleSeed");
  if (!Number.isInteger(index) || index < 0 || index >= MAX_INDEX) throw new ArgumentError(`exampleSeed: index must be an integer in 0..${MAX_INDEX - 1}, got ${index}`);
  return fmix32(3 * index + SPLIT_ID[split]);
}

/** The split a scene belongs to, from the hash of its canonical key. */
export function sceneSplit(scene: Scene): Split {
  const bucket = fnv1a32(sceneKey(scene)) % SPLIT_BUCKETS;
  return bucket === 0 ? "test" : bucket === 1 ? "validation" : "train";
}

/** The task and scene of example `index` of `split` (what splitExample would draw, without rendering). */
export function splitScene(split: Split, index: number, config: WorldConfig, weights: TaskWeights = DEFAULT_TASK_WEIGHTS): { task: TaskName; scene: Scene } {
  const rng = seededRng(exampleSeed(split, index));
  return sampleTaskScene(rng, config, weights, (scene) => sceneSplit(scene) === split);
}

/** Example `index` of `split`: the same arguments always give the same example. */
export function splitExample(split: Split, index: number, config: WorldConfig, weights: TaskWeights = DEFAULT_TASK_WEIGHTS): Example {
  const rng = seededRng(exampleSeed(split, index));
  return sampleExample(rng, config, weights, (scene) => sceneSplit(scene) === split);
}

/** Examples start .. start + count - 1 of `split`. */
export function splitExamples(split: Split, start: number, count: number, config: WorldConfig, weights: TaskWeights = DEFAULT_TASK_WEIGHTS): Example[] {
  if (!Number.isInteger(count) || count < 0) throw new ArgumentError(`splitExamples: count must be a non-negative integer, got ${count}`);
  return Array.from({ length: count }, (_, i) => splitExample(split, start + i, config, weights));
}
