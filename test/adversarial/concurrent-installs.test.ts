/**
 * Six `gateway install` processes into one folder at one moment, first into an absent folder, then as
 * updates of the app's install holding the user's files: exactly one installs (or updates), every
 * other says another install is under way (or, started after it ended, that it is up to date), no
 * `.yours` copy of the app's own files appears, the user's files are byte-identical and nothing is
 * left beside the folder. Real processes, counting outcomes. The archives come from a seeded
 * generator (ADVERSARIAL_SEED=n replays another set).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, type CommandResult } from '../integration/cli/command.js';
import { cliFixtures } from '../integration/cli/fixtures.js';
import { gatewayEntries, random } from './generate.js';
import { changedIn, treeOf } from './tree.js';
import { rawZip, type RawEntry } from './zip-writer.js';

const SEED = Number(process.env['ADVERSARIAL_SEED'] ?? 2121);
const N = 6;
const fixtures = cliFixtures();

/** Every file name under `dir` (relative). */
function filesIn(dir: string): string[] {
  return Object.entries(treeOf(dir)).filter(([, kind]) => kind.startsWith('file')).map(([name]) => name);
}

function outcomes(results: readonly CommandResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const line = `${r.code} ${(r.code === 0 ? r.stdout : r.stderr).trim().split('\n')[0] ?? ''}`;
    const key = / (installed|updated) the gateway/.test(line) ? 'done' : /another install into .* is under way/.test(line) ? 'busy' : /is up to date/.test(line) ? 'up to date' : line;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe(`${N} installs into one folder at once (seed ${SEED})`, () => {
  it('one installs, then one updates; the others say another is under way; no .yours, the user\'s files kept', async () => {
    const config = fixtures.configDir();
    const parent = path.join(config, 'place');
    await mkdir(parent);
    const folder = path.join(parent, 'gw');
    const { entries, prefix } = gatewayEntries(random(SEED));
    const first = path.join(config, 'first.zip');
    writeFileSync(first, rawZip(entries));
    const everyone = (zip: string): Promise<CommandResult[]> =>
      Promise.all(Array.from({ length: N }, () => run(['--dir', folder, 'gateway', 'install', '--from', zip], { configDir: config })));

    const installs = outcomes(await everyone(first));
    expect(installs['done'], JSON.stringify(installs)).toBe(1);
    expect((installs['busy'] ?? 0) + (installs['up to date'] ?? 0), JSON.stringify(installs)).toBe(N - 1);
    expect(readdirSync(parent)).toEqual(['gw']);

    writeFileSync(path.join(folder, 'mine.txt'), 'mine\n');
    await mkdir(path.join(folder, 'logs'), { recursive: true });
    writeFileSync(path.join(folder, 'logs', 'gw.log'), 'log\n');
    const users = treeOf(folder);
    // The update brings a file the first version did not have (the one that piled up as .yours).
    const second = path.join(config, 'second.zip');
    const extra: RawEntry = { name: `${prefix}dist/extra.jar`, data: Buffer.alloc(4096, 7) };
    writeFileSync(second, rawZip([...entries, extra]));
    const updates = outcomes(await everyone(second));
    expect(updates['done'], JSON.stringify(updates)).toBe(1);
    expect((updates['busy'] ?? 0) + (updates['up to date'] ?? 0), JSON.stringify(updates)).toBe(N - 1);

    expect(filesIn(folder).filter((name) => name.endsWith('.yours'))).toEqual([]);
    expect(filesIn(folder)).toContain('dist/extra.jar');
    expect(changedIn(users, treeOf(folder), (name) => name === '.' || !['mine.txt', 'logs', 'logs/gw.log'].includes(name))).toEqual([]);
    expect(readdirSync(parent)).toEqual(['gw']);
  }, 60_000);
});
