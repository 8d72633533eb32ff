/** Which imports the packaging check follows: every literal one, by the syntax that decides its resolver. */
import { describe, expect, it } from 'vitest';
import { importsOf } from './archive-imports.js';

describe('importsOf', () => {
  it.each([
    ["import x from 'a';", [{ specifier: 'a', kind: 'import' }]],
    ["import 'side-effect';", [{ specifier: 'side-effect', kind: 'import' }]],
    ["import { y } from './b.js'; export { z } from '../c.js';", [{ specifier: './b.js', kind: 'import' }, { specifier: '../c.js', kind: 'import' }]],
    ["export * from 'd';", [{ specifier: 'd', kind: 'import' }]],
    ["const m = await import('e');", [{ specifier: 'e', kind: 'import' }]],
    ["const f = require('f'); const g = require(`g`);", [{ specifier: 'f', kind: 'require' }, { specifier: 'g', kind: 'require' }]],
    ["try { require('optional') } catch {}", [{ specifier: 'optional', kind: 'require' }]],
    ["function later() { return require('node:fs'); }", [{ specifier: 'node:fs', kind: 'require' }]],
  ] as const)('%s', (source, expected) => {
    expect(importsOf(source, 'file.js')).toEqual(expected);
  });

  it('skips what cannot be followed: computed specifiers, and calls of something else named like a loader', () => {
    const source = "const name = 'x'; require(name); import(`./${name}.js`); other.require('y'); requireLater('z');";
    expect(importsOf(source, 'file.js')).toEqual([]);
  });
});
