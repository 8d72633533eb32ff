import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs, { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileLockTimeout, withFileLock } from '../../../../src/main/core/file-lock.js';
import { ensureBuilt } from '../../../integration/cli/command.js';

const BUILT = fileURLToPath(new URL('../../../../out/main/core/file-lock.js', import.meta.url));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
beforeAll(() => ensureBuilt(), 120_000);

function tempFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ibkr-tray-lock-'));
  dirs.push(dir);
  return path.join(dir, 'counter.json');
}

/** A process that adds 1 to the counter `times` times, each a read-modify-write under the lock. */
function incrementer(file: string, times: number): Promise<number | null> {
  const code = `
    import fs from 'node:fs';
    import { withFileLock } from ${JSON.stringify(BUILT)};
    const file = ${JSON.stringify(file)};
    for (let i = 0; i < ${times}; i++) {
      withFileLock(file, () => {
        const n = fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) : 0;
        fs.writeFileSync(file + '.tmp', String(n + 1));
        fs.renameSync(file + '.tmp', file);
      }, { waitMs: 20000 });
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve) => child.once('close', (status) => resolve(status)));
}

describe('withFileLock', () => {
  it('six processes changing one file at once keep every change', async () => {
    const file = tempFile();
    const codes = await Promise.all(Array.from({ length: 6 }, () => incrementer(file, 50)));
    expect(codes).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Number(readFileSync(file, 'utf8'))).toBe(300);
    expect(existsSync(`${file}.lock`)).toBe(false);
  }, 60_000);

  it('breaks a lock whose owner died', () => {
    const file = tempFile();
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }));
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, at: Date.now(), token: 'deadbeef' }));
    expect(withFileLock(file, () => 'ran', { waitMs: 1_000 })).toBe('ran');
    expect(existsSync(`${file}.lock`)).toBe(false);
  });

  it('breaks a lock held far longer than any critical section, even by a live process', () => {
    const file = tempFile();
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, at: Date.now() - 60_000, token: 'cafe' }));
    expect(withFileLock(file, () => 'ran', { waitMs: 1_000, staleMs: 5_000 })).toBe('ran');
  });

  it('waits no longer than asked for a live, fresh lock, and leaves it alone', () => {
    const file = tempFile();
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, at: Date.now(), token: 'cafe' }));
    expect(() => withFileLock(file, () => 'ran', { waitMs: 100 })).toThrow(FileLockTimeout);
    expect(() => withFileLock(file, () => 'ran', { waitMs: 50 })).toThrow(expect.objectContaining({ holderPid: process.pid }));
    expect(readFileSync(`${file}.lock`, 'utf8')).toContain('cafe');
  });
});

function settingsFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-lock-'));
  dirs.push(dir);
  return path.join(dir, 'config.json');
}

/** The pid of a process that has exited and been reaped (nothing has that pid now). */
function deadPid(): number {
  const pid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  expect(pid).toBeGreaterThan(0);
  return pid;
}

describe('withFileLock, its protocol', () => {
  it('holds <file>.lock (0600, with its pid) while the work runs, and removes it afterwards, also when the work throws', () => {
    const file = settingsFile();
    const seen = withFileLock(file, () => ({ mode: fs.statSync(`${file}.lock`).mode & 0o777, owner: (JSON.parse(fs.readFileSync(`${file}.lock`, 'utf8')) as { pid: number }).pid }));
    expect(seen).toEqual({ mode: 0o600, owner: process.pid });
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    expect(() => withFileLock(file, () => { throw new Error('refused'); })).toThrow('refused');
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  });

  it('takes over a lock whose owner is dead, and one older than staleMs whoever holds it', () => {
    const file = settingsFile();
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: deadPid(), at: Date.now(), token: 'dead' }));
    expect(withFileLock(file, () => 'done', { waitMs: 0, staleMs: 60_000 })).toBe('done');
    // Our own pid (alive) but an hour old: its pid was reused, or its owner hangs.
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.pid, at: Date.now() - 3_600_000, token: 'old' }));
    expect(withFileLock(file, () => 'done', { waitMs: 0, staleMs: 60_000 })).toBe('done');
    expect(fs.readdirSync(path.dirname(file))).toEqual([]);
  });
});
