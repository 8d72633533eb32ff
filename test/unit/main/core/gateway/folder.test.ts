import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkGatewayFolder } from '../../../../../src/main/core/gateway/folder.js';

const made: string[] = [];
function folder(files: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-folder-'));
  made.push(dir);
  for (const file of files) {
    if (file.endsWith('/')) {
      fs.mkdirSync(path.join(dir, file), { recursive: true });
      continue;
    }
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), '');
  }
  return dir;
}
afterEach(() => {
  while (made.length) fs.rmSync(made.pop()!, { recursive: true, force: true });
});

const COMPLETE = ['bin/run.sh', 'bin/run.bat', 'root/conf.yaml', 'dist/'];

describe('checkGatewayFolder', () => {
  it('accepts a complete folder', () => {
    const dir = folder(COMPLETE);
    expect(checkGatewayFolder(dir, 'linux')).toMatchObject({ folder: dir, runScript: 'bin/run.sh', confFile: path.join(dir, 'root', 'conf.yaml') });
  });

  it('names the missing run script and what to choose instead', () => {
    const dir = folder(['root/conf.yaml', 'dist/']);
    expect(() => checkGatewayFolder(dir, 'linux')).toThrow(`no bin/run.sh in ${dir}: choose the folder that contains bin/ and root/`);
  });

  it('points into a nested clientportal.gw when the user chose its parent', () => {
    const dir = folder(COMPLETE.map((f) => `clientportal.gw/${f}`));
    expect(() => checkGatewayFolder(dir, 'linux')).toThrow(`(it is in ${path.join(dir, 'clientportal.gw')})`);
  });

  it.each([
    [['bin/run.sh', 'dist/'], /no root\/conf.yaml/],
    [['bin/run.sh', 'root/conf.yaml'], /no dist\//],
  ])('names what else is missing (%j)', (files, message) => {
    expect(() => checkGatewayFolder(folder(files), 'linux')).toThrow(message);
  });

  it('a folder that does not exist, and none at all', () => {
    expect(() => checkGatewayFolder('/no/such/folder', 'linux')).toThrow(/does not exist/);
    expect(() => checkGatewayFolder('', 'linux')).toThrow(/No gateway folder chosen/);
  });
});
