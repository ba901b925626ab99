/**
 * playground.test.ts — the playground page end to end in headless Chromium (Debian's `chromium`,
 * driven by playwright-core): load the page, upload a fixture image, submit a detection prompt,
 * wait for the streamed answer, check that boxes and the attention heatmap are drawn (pixels on
 * the canvases, not just elements), pick another token and layer, save a screenshot under out/.
 * Chromium missing is a failure naming the install command, never a skip. Playwright's launch
 * gives the browser a fresh temporary profile of its own (deleted on close).
 */
import { existsSync, mkdirSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ModelRunner, startServer } from "../src/index.ts";
import { CHELSEA, repoPath, startTiny } from "./helpers.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
let runner: ModelRunner;
let app: FastifyInstance;
let url: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`playground test: no Chromium at ${CHROMIUM}. Install Debian's: apt-get install -y chromium (as root; .ci/run does it), or set CHROMIUM_PATH`);
  }
  runner = await startTiny();
  ({ app, url } = await startServer({ runner, port: 0 }));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
  await runner?.close();
});

/** How many pixels of a canvas are not fully transparent. */
const paintedPixels = (id: string) => `(() => { const c = document.getElementById(${JSON.stringify(id)}); const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; })()`;

describe("playground", () => {
  it("uploads an image, streams a detection answer, draws its boxes and a token's attention heatmap", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(`document.querySelectorAll("#layer option").length > 0`);
    await page.setInputFiles("#file", CHELSEA);
    await page.waitForFunction(`!document.getElementById("submit").disabled`);
    await page.click('#presets button[data-task="detect cat"]');
    expect(await page.inputValue("#prompt")).toBe("detect cat");
    await page.fill("#max-tokens", "12");
    await page.click("#submit");
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });

    expect(await page.locator(".tok").count()).toBeGreaterThan(0);
    const boxes = Number(await page.getAttribute("#overlay", "data-boxes"));
    expect(boxes).toBeGreaterThan(0);
    expect(await page.evaluate(paintedPixels("overlay"))).toBeGreaterThan(100); // strokes, not just a count
    expect(await page.textContent("#detections")).toMatch(/\[\d+, \d+, \d+, \d+\]/);
    await page.waitForSelector('#heatmap[data-drawn="0:1"]'); // token 0, last layer, drawn on arrival
    const overlay = await page.evaluate(`[document.getElementById("heatmap").width, document.getElementById("heatmap").height]`);
    expect(overlay).toEqual([451, 300]); // the canvases are the photo's own size
    expect(await page.evaluate(paintedPixels("heatmap"))).toBe(451 * 300); // the whole grid, scaled over the image

    await page.selectOption("#layer", "0");
    await page.click('.tok[data-index="2"]');
    await page.waitForSelector('#heatmap[data-drawn="2:0"]');
    expect(await page.textContent("#heat-info")).toMatch(/token 2, layer 0: [\d.]+% of its attention on the image/);
    expect(await page.getAttribute('.tok[data-index="2"]', "class")).toContain("selected");

    mkdirSync(repoPath("out"), { recursive: true });
    await page.screenshot({ path: repoPath("out/playground.png") });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the server's JSON error on the page (a request too long for the model)", async () => {
    const page = await browser.newPage();
    await page.goto(url);
    await page.setInputFiles("#file", CHELSEA);
    await page.waitForFunction(`!document.getElementById("submit").disabled`);
    await page.fill("#max-tokens", "9000");
    await page.click("#submit");
    await page.waitForSelector('body[data-state="error"]');
    expect(await page.textContent("#error")).toMatch(/^400: .*too long for the model/);
    await page.close();
  });
});
