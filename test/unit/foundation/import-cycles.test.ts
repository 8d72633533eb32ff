/**
 * src/ imports one way: no module imports another that (directly or through others) imports it back.
 * The guard is proven on a small synthetic tree that has a cycle, including one made of type-only
 * imports and dynamic `import()`, and on one that has none.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeTangle, importCycles, importGraph } from './import-graph.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');

const trees: string[] = [];
afterEach(() => {
  for (const dir of trees.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Write `files` (path → text) into a new temporary folder and return it. */
function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'import-graph-'));
  trees.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const cyclesIn = (dir: string): string[] => importCycles(importGraph(dir)).map((tangle) => describeTangle(tangle, dir));

describe('the import-cycle guard', () => {
  it('src/ has no import cycle', () => {
    const src = path.join(ROOT, 'src');
    expect(cyclesIn(src)).toEqual([]);
  });

  it('finds a value cycle through three files and prints it', () => {
    const dir = tree({
      'core/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'core/b.ts': "import { c } from '../shared/c.js';\nexport const b = c;\n",
      'shared/c.ts': "import { a } from '../core/a.js';\nexport const c = a;\n",
      'shared/leaf.ts': "import fs from 'node:fs';\nexport const leaf = fs;\n",
    });
    expect(cyclesIn(dir)).toEqual(['core/a.ts → core/b.ts → shared/c.ts → core/a.ts']);
  });

  it('counts type-only imports, re-exports and import() as edges', () => {
    const dir = tree({
      'settings.ts': "import type { Backend } from './engine.js';\nexport type S = Backend;\n",
      'engine.ts': "export { type S } from './settings.js';\nexport interface Backend { read(): unknown }\n",
      'lazy.ts': "export const load = () => import('./late.js');\n",
      'late.ts': "export type L = import('./lazy.js').Lazy;\nexport interface Never { x: 1 }\n",
    });
    expect(cyclesIn(dir).sort()).toEqual(['engine.ts → settings.ts → engine.ts', 'late.ts → lazy.ts → late.ts']);
  });

  it('lists every file caught in a larger tangle beside one cycle', () => {
    const dir = tree({
      'a.ts': "import './b.js';\nimport './c.js';\n",
      'b.ts': "import './a.js';\n",
      'c.ts': "import './a.js';\n",
    });
    expect(cyclesIn(dir)).toEqual(['a.ts → b.ts → a.ts (tangled: a.ts, b.ts, c.ts)']);
  });

  it('a one-way tree (shared imported by both sides, packages ignored) has none', () => {
    const dir = tree({
      'top.ts': "import { left } from './left.js';\nimport { right } from './right.js';\nexport const top = [left, right];\n",
      'left.ts': "import { base } from './base.js';\nimport { z } from 'zod';\nexport const left = [base, z];\n",
      'right.ts': "import type { Base } from './base.js';\nexport const right: Base | null = null;\n",
      'base.ts': 'export type Base = string;\nexport const base = 1;\n',
    });
    expect(cyclesIn(dir)).toEqual([]);
  });
});
