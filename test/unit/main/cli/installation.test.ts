import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { packageFolder } from '../../../../src/main/cli/installation.js';

describe('packageFolder', () => {
  const root = path.resolve('/opt/lib/node_modules/ibkr-tray');
  const at = (...parts: string[]): string => pathToFileURL(path.join(root, ...parts)).href;

  it.each([
    ['the bundle', at('out', 'main', 'command', 'serve-Ab12.js')],
    ["tsc's output", at('out', 'main', 'cli', 'commands', 'serve.js')],
    ['the sources under test', at('src', 'main', 'cli', 'installation.ts')],
  ])('is the same folder from %s', (_layout, url) => {
    expect(packageFolder(url)).toBe(root);
  });

  it('is this checkout when asked from here', () => {
    expect(packageFolder()).toBe(path.resolve(import.meta.dirname, '..', '..', '..', '..'));
  });
});
