// Scenes: determinism from a seed, the layout rules (non-overlap, centers apart, left-to-right
// order, boxes = mask bounds), the shapes and colors being distinct, and the config's checks.
import { ArgumentError, seededRng } from "@paligemma-ts/tensor";
import { describe, expect, it } from "vitest";
import {
  BACKGROUNDS,
  COLORS,
  COLOR_NAMES,
  SHAPE_NAMES,
  SceneLayoutError,
  type ShapeScene,
  centerX,
  renderScene,
  rgbDistance,
  sampleShapeScene,
  sampleTextScene,
  sceneKey,
  shapeMask,
  worldConfig,
} from "../src/index.ts";

const config = worldConfig();
const scenes: ShapeScene[] = Array.from({ length: 3000 }, (_, i) => sampleShapeScene(seededRng(i), config));

describe("determinism", () => {
  it("the same seed gives the same scene and the same image bytes; another seed does not", () => {
    for (const seed of [0, 1, 12345, 2 ** 32 - 1]) {
      const a = sampleShapeScene(seededRng(seed), config);
      const b = sampleShapeScene(seededRng(seed), config);
      expect(b).toEqual(a);
      expect(Buffer.from(renderScene(b).data).equals(Buffer.from(renderScene(a).data))).toBe(true);
      const t1 = sampleTextScene(seededRng(seed), config);
      expect(sampleTextScene(seededRng(seed), config)).toEqual(t1);
      expect(Buffer.from(renderScene(t1).data).equals(Buffer.from(renderScene(sampleTextScene(seededRng(seed), config)).data))).toBe(true);
    }
    const keys = new Set(scenes.slice(0, 200).map(sceneKey));
    expect(keys.size).toBeGreaterThan(190); // distinct seeds give (almost always) distinct scenes
  });
});

describe("layout", () => {
  it("objects never overlap: cells are >= gap apart in x or y, and centers >= minCenterGap apart in x", () => {
    let pairs = 0;
    for (const s of scenes) {
      for (let i = 0; i < s.objects.length; i++) {
        for (let j = i + 1; j < s.objects.length; j++) {
          const a = s.objects[i];
          const b = s.objects[j];
          const apartX = a.x + a.size + config.gap <= b.x || b.x + b.size + config.gap <= a.x;
          const apartY = a.y + a.size + config.gap <= b.y || b.y + b.size + config.gap <= a.y;
          expect(apartX || apartY).toBe(true);
          expect(Math.abs(centerX(a) - centerX(b))).toBeGreaterThanOrEqual(config.minCenterGap);
          pairs++;
        }
      }
    }
    expect(pairs).toBeGreaterThan(2000);
  });

  it("no two objects share a lit pixel in the rendered image (noise off)", () => {
    const plain = worldConfig({ noiseProbability: 0 });
    for (let seed = 0; seed < 300; seed++) {
      const s = sampleShapeScene(seededRng(seed), plain);
      const owner = new Int8Array(64 * 64).fill(-1);
      s.objects.forEach((o, k) => {
        const m = shapeMask(o.shape, o.size);
        for (let j = 0; j < o.size; j++) {
          for (let i = 0; i < o.size; i++) {
            if (!m.data[j * o.size + i]) continue;
            const p = (o.y + j) * 64 + o.x + i;
            expect(owner[p]).toBe(-1);
            owner[p] = k;
          }
        }
      });
    }
  });

  it("objects are sorted left to right, on the grid, inside the image; counts 1..3 all occur", () => {
    const counts = [0, 0, 0, 0];
    for (const s of scenes) {
      counts[s.objects.length]++;
      for (let k = 1; k < s.objects.length; k++) expect(centerX(s.objects[k])).toBeGreaterThan(centerX(s.objects[k - 1]));
      for (const o of s.objects) {
        expect(o.x % config.grid).toBe(0);
        expect(o.y % config.grid).toBe(0);
        expect(o.x + o.size).toBeLessThanOrEqual(64);
        expect(o.y + o.size).toBeLessThanOrEqual(64);
        expect(config.objectSizes).toContain(o.size);
      }
    }
    // n is uniform in 1..3: each count within 4 sigma of 1000 (sigma ~ 26)
    for (const n of [1, 2, 3]) expect(Math.abs(counts[n] - 1000)).toBeLessThan(105);
  });

  it("every shape, color and size occurs, and no attribute dominates (each within 25% of uniform)", () => {
    const tally = new Map<string, number>();
    let total = 0;
    for (const s of scenes) {
      for (const o of s.objects) {
        for (const key of [o.shape, o.color]) tally.set(key, (tally.get(key) ?? 0) + 1);
        tally.set(`size${o.size}`, (tally.get(`size${o.size}`) ?? 0) + 1);
        total++;
      }
    }
    for (const s of SHAPE_NAMES) expect(Math.abs(tally.get(s)! / total - 1 / 4)).toBeLessThan(0.25 / 4);
    for (const c of COLOR_NAMES) expect(Math.abs(tally.get(c)! / total - 1 / 6)).toBeLessThan(0.25 / 6);
    for (const z of config.objectSizes) expect(tally.get(`size${z}`)! / total).toBeGreaterThan(0.15); // crowded scenes favour small sizes
  });

  it("an object's box is its mask's tight bounds, offset by its position", () => {
    for (const s of scenes.slice(0, 200)) {
      for (const o of s.objects) {
        const [x0, y0, x1, y1] = shapeMask(o.shape, o.size).bounds;
        expect(o.box).toEqual({ xmin: o.x + x0, ymin: o.y + y0, xmax: o.x + x1, ymax: o.y + y1 });
      }
    }
  });

  it("an impossible configuration throws SceneLayoutError instead of looping", () => {
    const crowded = worldConfig({ objectSizes: [32], maxObjects: 4, minCenterGap: 20 });
    expect(() => {
      for (let seed = 0; seed < 50; seed++) sampleShapeScene(seededRng(seed), crowded);
    }).toThrow(SceneLayoutError);
  });
});

describe("shapes and colors are distinct", () => {
  it("at every size the four masks differ in at least 10% of the cell's pixels", () => {
    for (const size of config.objectSizes) {
      const masks = SHAPE_NAMES.map((s) => shapeMask(s, size).data);
      for (let a = 0; a < 4; a++) {
        for (let b = a + 1; b < 4; b++) {
          let diff = 0;
          for (let i = 0; i < size * size; i++) diff += masks[a][i] !== masks[b][i] ? 1 : 0;
          expect(diff / (size * size), `${SHAPE_NAMES[a]} vs ${SHAPE_NAMES[b]} at ${size}`).toBeGreaterThan(0.1);
        }
      }
    }
  });

  it("masks: circle and square touch all four cell edges, the triangle is wide at the bottom, the star is 5-pointed", () => {
    for (const size of config.objectSizes) {
      expect(shapeMask("square", size).bounds).toEqual([0, 0, size, size]);
      expect(shapeMask("circle", size).bounds).toEqual([0, 0, size, size]);
      const tri = shapeMask("triangle", size);
      const row = (m: Uint8Array, j: number) => m.subarray(j * size, (j + 1) * size).reduce((s, v) => s + v, 0);
      expect(row(tri.data, size - 1)).toBeGreaterThan(size - 3);
      expect(row(tri.data, 1)).toBeLessThan(4);
      // some row crosses two separate arms: two lit runs (every row of a convex shape has one)
      const star = shapeMask("star", size).data;
      let maxRuns = 0;
      for (let j = 0; j < size; j++) {
        let runs = 0;
        for (let i = 0; i < size; i++) if (star[j * size + i] && (i === 0 || !star[j * size + i - 1])) runs++;
        maxRuns = Math.max(maxRuns, runs);
      }
      expect(maxRuns).toBeGreaterThanOrEqual(2);
    }
  });

  it("object colors are >= 110 apart from each other and >= 130 from every background (before jitter)", () => {
    for (let a = 0; a < COLOR_NAMES.length; a++) {
      for (let b = a + 1; b < COLOR_NAMES.length; b++) expect(rgbDistance(COLORS[COLOR_NAMES[a]], COLORS[COLOR_NAMES[b]])).toBeGreaterThanOrEqual(110);
      for (const bg of BACKGROUNDS) expect(rgbDistance(COLORS[COLOR_NAMES[a]], bg)).toBeGreaterThanOrEqual(130);
    }
  });
});

describe("worldConfig", () => {
  it("derives size-dependent defaults from imageSize", () => {
    expect(config).toMatchObject({ imageSize: 64, patchSize: 8, objectSizes: [16, 24, 32], grid: 4, minCenterGap: 12, fontScale: 2 });
    expect(worldConfig({ imageSize: 48, patchSize: 6 })).toMatchObject({ objectSizes: [12, 16, 24], minCenterGap: 9, fontScale: 1 });
  });

  it("rejects bad values, naming the field", () => {
    expect(() => worldConfig({ patchSize: 7 })).toThrow(/patchSize must be a positive divisor of imageSize 64/);
    expect(() => worldConfig({ objectSizes: [18] })).toThrow(/objectSizes/);
    expect(() => worldConfig({ noiseProbability: 2 })).toThrow(ArgumentError);
    expect(() => worldConfig({ minDigits: 4, maxDigits: 3 })).toThrow(/minDigits/);
    expect(() => sampleTextScene(seededRng(1), worldConfig({ fontScale: 3 }))).toThrow(/fontScale 3 are 87 px wide/);
  });
});
