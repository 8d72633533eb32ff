/**
 * An update of a folder whose record comes from an older version (no list of the files it put
 * there) deletes nothing of the user's: every file that the new archive does not itself hold comes
 * along byte for byte. And a --dir that is a symbolic link is refused in one line, nothing changed.
 * User files and archives come from a seeded generator (ADVERSARIAL_SEED=n replays another set).
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installGateway } from '../../../../../src/main/core/install/gateway-install.js';
import { InstallError } from '../../../../../src/main/core/install/install-error.js';
import { GATEWAY_RECORD } from '../../../../../src/main/core/install/ownership.js';
import { gatewayEntries, pick, random, word, type Rng } from '../../../../adversarial/generate.js';
import { changedIn, treeOf } from '../../../../adversarial/tree.js';
import { rawZip } from '../../../../adversarial/zip-writer.js';

const SEED = Number(process.env['ADVERSARIAL_SEED'] ?? 2121);
let parent: string;

beforeEach(() => {
  parent = mkdtempSync(path.join(os.tmpdir(), 'ibkr-update-'));
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

/** A gateway zip in `parent`, and the folder-relative names of the files it holds. */
function gatewayZip(rng: Rng): { zip: string; files: Set<string> } {
  const { entries, prefix } = gatewayEntries(rng);
  const zip = path.join(parent, `gw-${word(rng)}.zip`);
  writeFileSync(zip, rawZip(entries));
  return { zip, files: new Set(entries.map((e) => e.name.toString().slice(prefix.length))) };
}

/** The user's own files (none of them a name the archive holds), in folders of the gateway's and of their own. */
function usersFiles(rng: Rng, dir: string, taken: ReadonlySet<string>): void {
  for (let i = 2 + Math.floor(rng() * 6); i > 0; i--) {
    const name = `${pick(rng, ['', 'photos/', 'bin/', 'dist/', 'root/', 'logs/', 'build/lib/', 'a/b/c/'])}${word(rng)}.${pick(rng, ['txt', 'jpg', 'jar', 'sh', 'log'])}`;
    if (taken.has(name)) continue;
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), `${word(rng)} of the user's\n`.repeat(1 + Math.floor(rng() * 20)));
  }
}

describe('an update of a folder whose record lists no files', () => {
  it.each(Array.from({ length: 6 }, (_, i) => SEED + i))('keeps every file the new archive does not hold byte-identical (seed %i)', async (seed) => {
    const rng = random(seed);
    const { zip, files } = gatewayZip(rng);
    const folder = path.join(parent, 'U');
    usersFiles(rng, folder, files);
    mkdirSync(path.join(folder, 'photos'), { recursive: true });
    writeFileSync(path.join(folder, 'notes.txt'), 'precious\n');
    writeFileSync(path.join(folder, 'photos', 'a.jpg'), 'p\n');
    // What an older version wrote: where it came from, nothing about which files it put there.
    writeFileSync(path.join(folder, GATEWAY_RECORD), '{"source":"https://example.invalid/old"}');
    const before = treeOf(folder);

    const result = await installGateway({ folder, source: zip });

    expect(result.outcome).toBe('updated');
    expect(changedIn(before, treeOf(folder), (name) => name === GATEWAY_RECORD || name === '.')).toEqual([]);
    expect(readdirSync(parent).sort()).toEqual(['U', path.basename(zip)].sort());
  });
});

describe('a --dir that is a symbolic link', () => {
  it.each([
    ['to an empty folder', (link: string) => {
      mkdirSync(path.join(parent, 'real'));
      symlinkSync(path.join(parent, 'real'), link);
    }],
    ['to nowhere', (link: string) => symlinkSync(path.join(parent, 'nowhere'), link)],
    ['to a gateway the app installed', (link: string) => {
      mkdirSync(path.join(parent, 'real'));
      writeFileSync(path.join(parent, 'real', GATEWAY_RECORD), '{"source":"x","files":[]}');
      symlinkSync(path.join(parent, 'real'), link);
    }],
  ])('%s is refused in one line, nothing changed', async (_label, make) => {
    const { zip } = gatewayZip(random(SEED));
    const link = path.join(parent, 'L');
    make(link);
    const before = treeOf(parent);
    const refused = await installGateway({ folder: link, source: zip }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InstallError);
    expect((refused as InstallError).kind).toBe('occupied');
    expect((refused as InstallError).message).toBe(`${link} is a symbolic link: choose the folder itself; nothing was changed.`);
    expect(treeOf(parent)).toEqual(before);
  });
});
