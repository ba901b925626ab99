/**
 * shapes.ts — the four shapes as pixel masks: circle, square, triangle, star.
 *
 * Teaches: rasterizing is asking "is this pixel's center inside the shape?". A shape lives in the
 * unit square of its cell (u, v in [0, 1], v down); pixel (i, j) of an s x s cell is lit when
 * ((i + 0.5) / s, (j + 0.5) / s) is inside:
 *
 *   circle    (u - 1/2)^2 + (v - 1/2)^2 <= 1/4                 (touches all four cell edges)
 *   square    every pixel                                        (fills the cell)
 *   triangle  |u - 1/2| <= v / 2                                 (apex top center, base = bottom edge)
 *   star      inside the 10-gon of a 5-pointed star, points at -90 + 72k degrees, outer radius R
 *             fitted to the cell width (R = 1 / (2 sin 72)), inner radius 0.45 R (a regular star
 *             has 0.38 R; fatter arms stay visible at 16 px)
 *
 * Crisp (binary) masks, no anti-aliasing: shapes differ by their corners and arms, and the
 * renderer stays fast. Masks are cached per (shape, size). The object's box for detection is the
 * mask's tight bounding box, not the cell (a triangle's apex row or a star's bottom may be empty).
 *
 * References: point-in-polygon by ray crossing (W. R. Franklin, "pnpoly").
 *
 * Leaves out: rotation, outlines, anti-aliased edges.
 */

export const SHAPE_NAMES = ["circle", "square", "triangle", "star"] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

/** Plural used by counting questions ("how many squares?"). */
export const SHAPE_PLURALS: Readonly<Record<ShapeName, string>> = { circle: "circles", square: "squares", triangle: "triangles", star: "stars" };

export interface ShapeMask {
  size: number;
  /** [size, size] row-major, 1 = lit. */
  data: Uint8Array;
  /** Tight bounds of the lit pixels inside the cell: [x0, y0, x1, y1), x1/y1 exclusive. */
  bounds: readonly [number, number, number, number];
}

const STAR_R = 1 / (2 * Math.sin((72 * Math.PI) / 180));
const STAR_INNER = 0.45;
const STAR_CY = STAR_R + (1 - STAR_R * (1 + Math.cos((36 * Math.PI) / 180))) / 2; // center the star's height
const STAR_POLYGON: readonly (readonly [number, number])[] = Array.from({ length: 10 }, (_, k) => {
  const angle = ((-90 + 36 * k) * Math.PI) / 180;
  const r = k % 2 === 0 ? STAR_R : STAR_R * STAR_INNER;
  return [0.5 + r * Math.cos(angle), STAR_CY + r * Math.sin(angle)] as const;
});

/** Even-odd ray crossing test. */
function insidePolygon(poly: readonly (readonly [number, number])[], u: number, v: number): boolean {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [ui, vi] = poly[i];
    const [uj, vj] = poly[j];
    if (vi > v !== vj > v && u < ((uj - ui) * (v - vi)) / (vj - vi) + ui) inside = !inside;
  }
  return inside;
}

/** Is the point (u, v) of the unit cell inside `shape`? */
export function insideShape(shape: ShapeName, u: number, v: number): boolean {
  switch (shape) {
    case "circle":
      return (u - 0.5) ** 2 + (v - 0.5) ** 2 <= 0.25;
    case "square":
      return true;
    case "triangle":
      return Math.abs(u - 0.5) <= v / 2;
    case "star":
      return insidePolygon(STAR_POLYGON, u, v);
  }
}

const cache = new Map<string, ShapeMask>();

/** The s x s mask of `shape` (cached). */
export function shapeMask(shape: ShapeName, size: number): ShapeMask {
  const key = `${shape}/${size}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const data = new Uint8Array(size * size); // [size, size]
  let x0 = size, y0 = size, x1 = 0, y1 = 0;
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      if (!insideShape(shape, (i + 0.5) / size, (j + 0.5) / size)) continue;
      data[j * size + i] = 1;
      x0 = Math.min(x0, i);
      y0 = Math.min(y0, j);
      x1 = Math.max(x1, i + 1);
      y1 = Math.max(y1, j + 1);
    }
  }
  const mask: ShapeMask = { size, data, bounds: [x0, y0, x1, y1] };
  cache.set(key, mask);
  return mask;
}
