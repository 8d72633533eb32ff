/**
 * Staging folders and the swap remove only what the app made: a stale staging folder of a dead
 * install is cleaned (its previous folder put back first) only when its name has the generated shape
 * and its marker names it; anything else beside the target is left byte-identical, and the swap
 * replaces a target only when it is the app's install or empty.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstallError } from '../../../../../src/main/core/install/install-error.js';
import { GATEWAY_RECORD } from '../../../../../src/main/core/install/ownership.js';
import { cleanStaleStaging, makeStaging, removeStaging, STAGING_MARKER, swapInto } from '../../../../../src/main/core/install/staging.js';
import { treeOf } from '../../../../adversarial/tree.js';

let parent: string;
let target: string;
/** A pid that was a process a moment ago and is no more (reaped by spawnSync). */
const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;
const SWAP = { record: GATEWAY_RECORD, what: 'a gateway' };

beforeEach(() => {
  parent = mkdtempSync(path.join(os.tmpdir(), 'ibkr-staging-'));
  target = path.join(parent, 'clientportal.gw');
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

function folderWith(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
}

describe('cleanStaleStaging', () => {
  it('puts back the previous folder of a dead install and removes its staging folder', async () => {
    const name = `.clientportal.gw.install-${deadPid}-Ab12Cd`;
    folderWith(path.join(parent, name), { [STAGING_MARKER]: `${name}\n`, 'previous/bin/run.sh': 'old', [`previous/${GATEWAY_RECORD}`]: '{"source":"x"}' });
    await cleanStaleStaging(target);
    expect(readdirSync(parent)).toEqual(['clientportal.gw']);
    expect(readdirSync(path.join(target, 'bin'))).toEqual(['run.sh']);
  });

  it.each([
    ['no marker', (_name: string) => ({ 'notes.txt': 'mine' })],
    ['a marker naming another folder', () => ({ [STAGING_MARKER]: 'something-else\n', 'notes.txt': 'mine' })],
  ])('leaves a folder of the generated shape with %s byte-identical', async (_label, files) => {
    const name = `.clientportal.gw.install-${deadPid}-Zz99Yy`;
    folderWith(path.join(parent, name), files(name));
    const before = treeOf(parent);
    await cleanStaleStaging(target);
    expect(treeOf(parent)).toEqual(before);
  });

  // A process killed while `rm -r` removed its staging folder left it without its marker (removed
  // first): one that holds nothing but what an install puts there is still recognised as the app's.
  it('removes a marker-less staging folder of a dead install that holds only what an install puts there', async () => {
    folderWith(target, { 'bin/run.sh': 'new', [GATEWAY_RECORD]: '{"source":"y"}' });
    const name = `.clientportal.gw.install-${deadPid}-Qw12Er`;
    folderWith(path.join(parent, name), { 'gateway.zip': 'PK', 'previous/bin/run.sh': 'old', [`previous/${GATEWAY_RECORD}`]: '{"source":"x"}' });
    const before = treeOf(target);
    await cleanStaleStaging(target);
    expect(readdirSync(parent)).toEqual(['clientportal.gw']);
    expect(treeOf(target)).toEqual(before);
  });

  it('puts back the previous folder of a marker-less staging folder when the target is gone', async () => {
    const name = `.clientportal.gw.install-${deadPid}-Qw12Er`;
    folderWith(path.join(parent, name), { 'previous/bin/run.sh': 'old', [`previous/${GATEWAY_RECORD}`]: '{"source":"x"}' });
    await cleanStaleStaging(target);
    expect(readdirSync(parent)).toEqual(['clientportal.gw']);
    expect(readdirSync(path.join(target, 'bin'))).toEqual(['run.sh']);
  });

  it.each([
    ['a file of the user\'s', { 'gateway.zip': 'PK', 'notes.txt': 'mine' }],
    ['a previous folder without the app\'s record', { 'previous/bin/run.sh': 'old', 'previous/notes.txt': 'mine' }],
  ])('leaves a marker-less folder of the generated shape holding %s byte-identical', async (_label, files) => {
    folderWith(path.join(parent, `.clientportal.gw.install-${deadPid}-Po98Iu`), files);
    const before = treeOf(parent);
    await cleanStaleStaging(target);
    expect(treeOf(parent)).toEqual(before);
  });

  it('leaves folders of other shapes, and those of live installs, byte-identical', async () => {
    for (const name of ['.clientportal.gw.install-mine', `.clientportal.gw.install-${deadPid}-toolong1`, `.clientportal.gw.install-${deadPid}-`, `.clientportal.gw.install-${process.ppid}-Ab12Cd`]) {
      folderWith(path.join(parent, name), { [STAGING_MARKER]: `${name}\n`, 'notes.txt': 'mine' });
    }
    const before = treeOf(parent);
    await cleanStaleStaging(target);
    expect(treeOf(parent)).toEqual(before);
  });
});

describe('swapInto', () => {
  async function ready(): Promise<{ staging: string; next: string }> {
    const staging = await makeStaging(target);
    const next = path.join(staging, 'gateway');
    await mkdir(path.join(next, 'bin'), { recursive: true });
    await writeFile(path.join(next, GATEWAY_RECORD), '{"source":"new"}');
    return { staging, next };
  }

  it('refuses a target of the user\'s and leaves it byte-identical', async () => {
    folderWith(target, { 'notes.txt': 'mine', 'photos/a.jpg': 'jpg' });
    const before = treeOf(target);
    const { staging, next } = await ready();
    const refused = await swapInto(staging, next, target, SWAP).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(InstallError);
    expect((refused as InstallError).kind).toBe('occupied');
    expect(treeOf(target)).toEqual(before);
    await removeStaging(staging);
    expect(readdirSync(parent)).toEqual(['clientportal.gw']);
  });

  it('replaces an empty target and the app\'s own install', async () => {
    mkdirSync(target);
    let { staging, next } = await ready();
    expect(await swapInto(staging, next, target, SWAP)).toEqual({ replaced: false });
    await removeStaging(staging);
    ({ staging, next } = await ready());
    expect(await swapInto(staging, next, target, SWAP)).toEqual({ replaced: true });
    await removeStaging(staging);
    expect(readdirSync(parent)).toEqual(['clientportal.gw']);
  });

  it('removeStaging removes nothing that lacks its marker', async () => {
    const mine = path.join(parent, '.clientportal.gw.install-1-Ab12Cd');
    folderWith(mine, { 'notes.txt': 'mine' });
    await removeStaging(mine);
    expect(readdirSync(mine)).toEqual(['notes.txt']);
  });
});
