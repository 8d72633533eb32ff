/**
 * Draws every icon the app ships and writes them under assets/ (the outputs are committed; run again
 * after changing a drawing: `npx tsx scripts/make-icons.ts`).
 *
 * Tray: one icon per tone (green ready; amber needs attention; red logged out or stopped; grey
 * starting), each with its own glyph (check, "!", "×", "…") so the state reads without colour too:
 *   assets/tray/<color>.png (16 px) and @2x (32 px)          Windows/macOS PNG
 *   assets/tray/<color>Template.png and @2x                  macOS menu bar (black + alpha, tinted by macOS)
 *   assets/tray/<color>-linux.png (22 px) and @2x (44 px)    Linux status-notifier trays
 *   assets/tray/<color>.ico (16, 20, 24, 32, 48 px)          Windows tray at every DPI
 * App: assets/icons/app.png (512), app.ico, app.icns, app/<n>x<n>.png (Linux, electron-builder).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IconColor } from '../src/main/electron/tray-icon.js';
import { disc, render, roundedSquare, stroke, union, type Color, type Layer, type Shape } from './icons/drawing.js';
import { encodeIcns, encodeIco, encodePng } from './icons/image-formats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const trayDir = path.join(root, 'assets', 'tray');
const appDir = path.join(root, 'assets', 'icons');

const FILL: Record<IconColor, Color> = {
  green: [46, 158, 72, 1],
  amber: [232, 163, 23, 1],
  red: [214, 69, 65, 1],
  grey: [138, 143, 152, 1],
};
const WHITE: Color = [255, 255, 255, 1];
const BLACK: Color = [0, 0, 0, 1];

function darker([r, g, b, a]: Color): Color {
  return [Math.round(r * 0.62), Math.round(g * 0.62), Math.round(b * 0.62), a];
}

/** The glyph inside the disc: it alone tells the states apart in monochrome (template) icons. */
function glyph(color: IconColor): Shape {
  const w = 0.14;
  switch (color) {
    case 'green': // ready: a check mark
      return union(stroke(0.29, 0.52, 0.44, 0.67, w), stroke(0.44, 0.67, 0.72, 0.36, w));
    case 'amber': // needs attention: "!"
      return union(stroke(0.5, 0.27, 0.5, 0.55, w), disc(0.5, 0.72, 0.08));
    case 'red': // logged out / stopped: "×"
      return union(stroke(0.35, 0.35, 0.65, 0.65, w), stroke(0.65, 0.35, 0.35, 0.65, w));
    case 'grey': // starting: "…"
      return union(disc(0.29, 0.5, 0.075), disc(0.5, 0.5, 0.075), disc(0.71, 0.5, 0.075));
  }
}

function trayLayers(color: IconColor, template: boolean): Layer[] {
  const outer = disc(0.5, 0.5, 0.47);
  const inner = disc(0.5, 0.5, 0.47 - 0.07);
  if (template) return [{ shape: outer, paint: BLACK }, { shape: glyph(color), paint: 'clear' }];
  // A darker rim keeps the disc visible on light and dark taskbars alike.
  return [
    { shape: outer, paint: darker(FILL[color]) },
    { shape: inner, paint: FILL[color] },
    { shape: glyph(color), paint: WHITE },
  ];
}

function appLayers(): Layer[] {
  return [
    { shape: roundedSquare(0.06, 0.2), paint: [31, 42, 58, 1] },
    { shape: disc(0.5, 0.5, 0.3), paint: FILL.green },
    {
      shape: (x, y) => glyph('green')((x - 0.5) / 0.6 + 0.5, (y - 0.5) / 0.6 + 0.5) * 0.6,
      paint: WHITE,
    },
  ];
}

function png(size: number, layers: Layer[]): Buffer {
  return encodePng(render(size, layers));
}

function write(file: string, bytes: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, bytes);
  console.log(`${path.relative(root, file)}  ${bytes.length} bytes`);
}

const colors: IconColor[] = ['green', 'amber', 'red', 'grey'];
for (const color of colors) {
  const plain = trayLayers(color, false);
  const template = trayLayers(color, true);
  write(path.join(trayDir, `${color}.png`), png(16, plain));
  write(path.join(trayDir, `${color}@2x.png`), png(32, plain));
  write(path.join(trayDir, `${color}Template.png`), png(16, template));
  write(path.join(trayDir, `${color}Template@2x.png`), png(32, template));
  write(path.join(trayDir, `${color}-linux.png`), png(22, plain));
  write(path.join(trayDir, `${color}-linux@2x.png`), png(44, plain));
  write(path.join(trayDir, `${color}.ico`), encodeIco([16, 20, 24, 32, 48].map((size) => ({ size, png: png(size, plain) }))));
}

const app = appLayers();
const appPng = new Map<number, Buffer>();
const appSize = (size: number): Buffer => {
  let bytes = appPng.get(size);
  if (!bytes) appPng.set(size, (bytes = png(size, app)));
  return bytes;
};
write(path.join(appDir, 'app.png'), appSize(512));
for (const size of [16, 32, 48, 64, 128, 256, 512]) write(path.join(appDir, 'app', `${size}x${size}.png`), appSize(size));
write(path.join(appDir, 'app.ico'), encodeIco([16, 24, 32, 48, 64, 128, 256].map((size) => ({ size, png: appSize(size) }))));
write(
  path.join(appDir, 'app.icns'),
  encodeIcns([
    { type: 'ic11', png: appSize(32) },
    { type: 'ic12', png: appSize(64) },
    { type: 'ic07', png: appSize(128) },
    { type: 'ic13', png: appSize(256) },
    { type: 'ic08', png: appSize(256) },
    { type: 'ic14', png: appSize(512) },
    { type: 'ic09', png: appSize(512) },
    { type: 'ic10', png: appSize(1024) },
  ]),
);
