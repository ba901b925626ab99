// loadImage against PIL 9.4's Image.open(f).convert("RGB") on the variants where decoders usually
// differ: 16-bit PNGs (gray clips, color keeps the high byte), Adam7 + every filter, short palettes,
// arithmetic-coded, CMYK and YCCK JPEGs, GIF frame placement, TIFF layouts and compressions.
// Files and PIL's pixels come from test/pil/make_pil_goldens.py (committed; no Python needed here).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadImage } from "../src/index.ts";

const dir = new URL("./pil/", import.meta.url);
const goldens = JSON.parse(readFileSync(new URL("pil_goldens.json", dir), "utf8")) as {
  versions: Record<string, string | boolean>;
  cases: Record<string, { mode: string; width: number; height: number; rgb: string }>;
};

describe(`PIL ${goldens.versions.pillow} parity (libjpeg ${goldens.versions.libjpeg}, libtiff ${goldens.versions.libtiff})`, () => {
  it.each(Object.keys(goldens.cases))("%s", async (name) => {
    const g = goldens.cases[name];
    const want = Buffer.from(g.rgb, "base64");
    const out = await loadImage(new URL(`files/${name}`, dir).pathname);
    expect([out.width, out.height]).toEqual([g.width, g.height]);
    let diff = 0;
    let wrong = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(out.data[i] - want[i]);
      if (d > 0) wrong++;
      diff = Math.max(diff, d);
    }
    if (diff > 0) console.log(`${name} (PIL mode ${g.mode}): max |ours - PIL| = ${diff}, ${wrong} of ${want.length} bytes differ`);
    expect(diff).toBe(0);
  });

  it("covers every decoder path the issue names", () => {
    const names = Object.keys(goldens.cases);
    for (const needed of ["gray16.png", "gray_alpha16.png", "rgb16.png", "cmyk_adobe.jpg", "cmyk_no_adobe.jpg", "ycck.jpg", "arith_progressive.jpg", "arith_gray.jpg"]) {
      expect(names).toContain(needed);
    }
  });
});
