/** fixtures.ts — the repo's tiny PaliGemma fixtures (paths), opened for one describe block and closed after it. */
import { fileURLToPath } from "node:url";
import { openGoldenFixture } from "@paligemma-ts/tensor";
import { afterAll } from "vitest";

export const fixture = (name: string, file: string) => fileURLToPath(new URL(`../../../fixtures/${name}/${file}`, import.meta.url));
export const openFixture = (name: string) => ((f) => (afterAll(f.close), f))(openGoldenFixture(fixture(name, "")));
