/**
 * Anti-aliased vector drawing for icons: shapes are signed-distance functions in unit coordinates
 * (0..1 across the image), sampled 4×4 per pixel, so the same drawing renders crisply at 16 px and at
 * 1024 px. Later layers paint over earlier ones.
 */
import type { Rgba } from './image-formats.js';

/** Distance from (x, y) to the shape's edge: negative inside, positive outside (unit coordinates). */
export type Shape = (x: number, y: number) => number;
export type Color = readonly [r: number, g: number, b: number, a: number];
export interface Layer {
  readonly shape: Shape;
  /** The colour to paint, or 'clear' to cut the shape out of what is below (macOS template glyphs). */
  readonly paint: Color | 'clear';
}

export const disc =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) - r;

/** A stroke from (ax, ay) to (bx, by) with round caps, `width` wide. */
export const stroke =
  (ax: number, ay: number, bx: number, by: number, width: number): Shape =>
  (x, y) => {
    const dx = bx - ax;
    const dy = by - ay;
    const t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy)) - width / 2;
  };

export const roundedSquare =
  (inset: number, radius: number): Shape =>
  (x, y) => {
    const half = 0.5 - inset;
    const qx = Math.abs(x - 0.5) - (half - radius);
    const qy = Math.abs(y - 0.5) - (half - radius);
    return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
  };

export const union =
  (...shapes: Shape[]): Shape =>
  (x, y) =>
    Math.min(...shapes.map((s) => s(x, y)));

/** Render layers into a size × size RGBA image on a transparent background. */
export function render(size: number, layers: readonly Layer[]): Rgba {
  const samples = 4;
  const data = new Uint8Array(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const x = (px + (sx + 0.5) / samples) / size;
          const y = (py + (sy + 0.5) / samples) / size;
          let color: Color = [0, 0, 0, 0];
          for (const layer of layers) if (layer.shape(x, y) <= 0) color = layer.paint === 'clear' ? [0, 0, 0, 0] : layer.paint;
          // Premultiply while averaging so edges against transparency do not darken.
          r += color[0] * color[3];
          g += color[1] * color[3];
          b += color[2] * color[3];
          a += color[3];
        }
      }
      const i = (py * size + px) * 4;
      const n = samples * samples;
      data[i] = a ? Math.round(r / a) : 0;
      data[i + 1] = a ? Math.round(g / a) : 0;
      data[i + 2] = a ? Math.round(b / a) : 0;
      data[i + 3] = Math.round((a / n) * 255);
    }
  }
  return { width: size, height: size, data };
}
