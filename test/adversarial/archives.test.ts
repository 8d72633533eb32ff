/**
 * Hostile archives from a seeded generator against the gateway's install: names that climb out
 * (absolute, "..", backslashes, drive letters), NULs and controls, names too long, duplicates and names
 * that collide without case or as file-and-folder, symbolic links, sizes that lie, zip bombs, too many
 * entries, an end record that lies, cuts anywhere, and files that are no zip at all. For every one: the
 * install is refused with one line (no stack frame), nothing is left in the parent folder, and the
 * previous install is byte-identical. The same archive without its one mutation installs (the control):
 * what is refused is the mutation. ADVERSARIAL_SEED=n replays another set.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installGateway } from '../../src/main/core/install/gateway-install.js';
import { InstallError, type InstallFailureKind } from '../../src/main/core/install/install-error.js';
import { onlyJson, run } from '../integration/cli/command.js';
import { cliFixtures } from '../integration/cli/fixtures.js';
import { treeOf } from './tree.js';
import { gatewayEntries, pick, random, word, type Rng } from './generate.js';
import { rawZip, type RawEntry } from './zip-writer.js';

const SEED = Number(process.env['ADVERSARIAL_SEED'] ?? 2121);
const CASES_PER_MUTATION = 4;

interface Hostile {
  readonly label: string;
  readonly bytes: Buffer;
  /** The kinds of refusal that fit (the line must say why, not just "failed"). */
  readonly kinds: readonly InstallFailureKind[];
}

type Mutation = (rng: Rng, base: { entries: RawEntry[]; prefix: string }) => Omit<Hostile, 'kinds'> & { kinds?: readonly InstallFailureKind[] };

const withEntry = (base: { entries: RawEntry[] }, rng: Rng, entry: RawEntry): RawEntry[] => {
  const list = [...base.entries];
  list.splice(Math.floor(rng() * (list.length + 1)), 0, entry);
  return list;
};
const escaping = (rng: Rng): string =>
  pick(rng, [
    `../${word(rng)}`,
    `${word(rng)}/../../${word(rng)}`,
    `/${word(rng)}/${word(rng)}`,
    `/etc/${word(rng)}`,
    `C:/${word(rng)}`,
    `c:${word(rng)}`,
    `..\\${word(rng)}`,
    `${word(rng)}\\..\\..\\${word(rng)}`,
    `\\${word(rng)}`,
    `${word(rng)}/../${'../'.repeat(1 + Math.floor(rng() * 5))}${word(rng)}`,
  ]);

const MUTATIONS: Record<string, Mutation> = {
  'a name that climbs out': (rng, base) => {
    const name = escaping(rng);
    return { label: name, bytes: rawZip(withEntry(base, rng, { name, data: Buffer.from('evil') })), kinds: ['unsafe', 'damaged'] };
  },
  'a control character in a name': (rng, base) => {
    const name = `${base.prefix}bin/${word(rng)}${pick(rng, ['\u0000', '\u0001', '\n', '\r', '\u001b[2J', '\u007f'])}${word(rng)}`;
    return { label: JSON.stringify(name), bytes: rawZip(withEntry(base, rng, { name, data: Buffer.from('x') })), kinds: ['unsafe'] };
  },
  'a name too long': (rng, base) => {
    const name = rng() < 0.5 ? `${base.prefix}${'a'.repeat(256 + Math.floor(rng() * 300))}` : `${base.prefix}${Array.from({ length: 300 }, () => word(rng)).join('/')}`;
    return { label: `${name.length} characters`, bytes: rawZip(withEntry(base, rng, { name, data: Buffer.from('x') })), kinds: ['unsafe'] };
  },
  'an entry twice': (rng, base) => {
    const twin = pick(rng, base.entries);
    return { label: String(twin.name), bytes: rawZip(withEntry(base, rng, { ...twin, data: Buffer.from('the other one') })), kinds: ['unsafe'] };
  },
  'names that collide without case': (rng, base) => {
    const twin = pick(rng, base.entries);
    const name = String(twin.name).replace(/[a-z]/g, (c) => (rng() < 0.5 ? c.toUpperCase() : c)).replace(/^[^A-Z]*$/, (n) => n.toUpperCase());
    return { label: `${String(twin.name)} and ${name}`, bytes: rawZip(withEntry(base, rng, { name, data: Buffer.from('x') })), kinds: ['unsafe'] };
  },
  'a file that is also a folder': (rng, base) => {
    const file = pick(rng, base.entries);
    const name = `${String(file.name)}/${word(rng)}`;
    return { label: name, bytes: rawZip(withEntry(base, rng, { name, data: Buffer.from('x') })), kinds: ['unsafe'] };
  },
  'a symbolic link': (rng, base) => {
    const name = `${base.prefix}${pick(rng, ['bin/', 'root/', ''])}${word(rng)}`;
    const target = pick(rng, ['/etc/passwd', '../../..', '/', `${word(rng)}`]);
    return { label: `${name} -> ${target}`, bytes: rawZip(withEntry(base, rng, { name, data: Buffer.from(target), mode: 0o120777 })), kinds: ['unsafe'] };
  },
  'a declared size that lies': (rng, base) => {
    const victim = Math.floor(rng() * base.entries.length);
    const entries = base.entries.map((e, i) => {
      if (i !== victim) return e;
      const actual = e.data.length;
      const lie = pick(rng, [0, Math.max(0, actual - 1), actual + 1, actual * 2 + 7]);
      const declared = lie === actual ? actual + 3 : lie;
      // A stored entry lies in both sizes (yauzl refuses them unequal at once): its data is then read short or long.
      return e.method === 'store' ? { ...e, declaredSize: declared, declaredCompressedSize: declared } : { ...e, declaredSize: declared };
    });
    return { label: String(base.entries[victim]!.name), bytes: rawZip(entries), kinds: ['damaged'] };
  },
  'a checksum that lies': (rng, base) => {
    const victim = Math.floor(rng() * base.entries.length);
    const entries = base.entries.map((e, i) => (i === victim ? { ...e, crc: (Math.floor(rng() * 0xffffffff) ^ 0x5a5a5a5a) >>> 0 } : e));
    return { label: String(base.entries[victim]!.name), bytes: rawZip(entries), kinds: ['damaged'] };
  },
  'a zip bomb (small declared, huge inside)': (rng, base) => {
    const inside = Buffer.alloc((8 + Math.floor(rng() * 24)) * 1024 * 1024);
    const name = `${base.prefix}build/lib/runtime/bomb-${word(rng)}.bin`;
    return { label: `${inside.length} bytes declared as 1000`, bytes: rawZip(withEntry(base, rng, { name, data: inside, method: 'deflate', declaredSize: 1000 })), kinds: ['damaged'] };
  },
  'declared sizes past the limit': (rng, base) => {
    const entries = [...base.entries, ...Array.from({ length: 3 }, (_, i) => ({ name: `${base.prefix}dist/huge-${i}.bin`, data: Buffer.from('x'), method: 'deflate' as const, declaredSize: 0x7fffffff - Math.floor(rng() * 1000), centralOnly: true }))];
    return { label: '3 entries of 2 GB', bytes: rawZip(entries), kinds: ['too-big'] };
  },
  'an end record whose count lies': (rng, base) => ({ label: 'count + n', bytes: rawZip(base.entries, { claimedEntries: base.entries.length + 1 + Math.floor(rng() * 50) }), kinds: ['damaged'] }),
  'cut anywhere': (rng, base) => {
    const whole = rawZip(base.entries);
    const at = Math.floor(rng() * (whole.length - 1));
    return { label: `cut at ${at} of ${whole.length}`, bytes: whole.subarray(0, at), kinds: ['damaged'] };
  },
  'not a zip': (rng) => {
    const bytes = pick(rng, [
      Buffer.from('<!DOCTYPE html><html><body>Sign in</body></html>'),
      Buffer.from(Array.from({ length: 1 + Math.floor(rng() * 4096) }, () => Math.floor(rng() * 256))),
      Buffer.alloc(0),
      Buffer.from('PK\u0003\u0004 but nothing after it', 'latin1'),
      Buffer.from('{"error":"rate limited"}\n'),
    ]);
    return { label: `${bytes.length} bytes`, bytes, kinds: ['damaged'] };
  },
  'not the gateway': (rng, base) => {
    const entries = base.entries.filter(() => rng() < 0.3);
    return { label: `${entries.length} of its files`, bytes: rawZip(entries.length ? entries : [{ name: 'readme.txt', data: Buffer.from('hi') }]), kinds: ['layout'] };
  },
};

let work: string;
let parent: string;
let folder: string;
let installedTree: Record<string, string>;

function hostileCases(): Hostile[] {
  const rng = random(SEED);
  const out: Hostile[] = [];
  for (const [name, mutate] of Object.entries(MUTATIONS)) {
    for (let i = 0; i < CASES_PER_MUTATION; i++) {
      const made = mutate(rng, gatewayEntries(rng));
      out.push({ label: `${name}: ${made.label.slice(0, 60)}`, bytes: made.bytes, kinds: made.kinds ?? ['unsafe', 'damaged'] });
    }
  }
  // Too many entries: once is enough (the limit is 20 000).
  out.push({ label: 'too many entries: 20 001', bytes: rawZip(Array.from({ length: 20_001 }, (_, i) => ({ name: `f/${i}`, data: Buffer.alloc(0) }))), kinds: ['too-big'] });
  return out;
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'ibkr-archives-'));
  parent = path.join(work, 'parent');
  folder = path.join(parent, 'clientportal.gw');
  const good = path.join(work, 'good.zip');
  writeFileSync(good, rawZip(gatewayEntries(random(SEED ^ 1)).entries));
  await installGateway({ folder, source: good });
  writeFileSync(path.join(folder, 'root', 'conf.yaml'), 'listenPort: 5099 # the user\'s\n');
  installedTree = treeOf(parent);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(`hostile archives (seed ${SEED})`, () => {
  it('the generator\'s archives without their mutation install (the control)', async () => {
    const rng = random(SEED ^ 7);
    for (let i = 0; i < 5; i++) {
      const zip = path.join(work, `control-${i}.zip`);
      writeFileSync(zip, rawZip(gatewayEntries(rng).entries));
      const done = await installGateway({ folder: path.join(work, `control-${i}`, 'clientportal.gw'), source: zip });
      expect(done.outcome).toBe('installed');
    }
  });

  it('every one is refused in one line, nothing left over, the previous install byte-identical', async () => {
    const cases = hostileCases();
    const wrong: string[] = [];
    for (const [i, hostile] of cases.entries()) {
      // A name of its own: the install never takes it for the unchanged file it installed before.
      const zip = path.join(work, `hostile-${i}.zip`);
      writeFileSync(zip, hostile.bytes);
      const outcome = await installGateway({ folder, source: zip }).then(
        (done) => `installed (${done.outcome})`,
        (error: unknown) => error,
      );
      rmSync(zip);
      if (!(outcome instanceof InstallError)) {
        wrong.push(`${hostile.label}: ${outcome instanceof Error ? `threw ${outcome.name}: ${outcome.message}` : String(outcome)}`);
      } else if (/[\n\r]/.test(outcome.message) || outcome.message.includes('\u0000') || outcome.message.length > 400 || !hostile.kinds.includes(outcome.kind)) {
        wrong.push(`${hostile.label}: ${outcome.kind}: ${JSON.stringify(outcome.message)}`);
      }
      const now = treeOf(parent);
      if (JSON.stringify(now) !== JSON.stringify(installedTree)) wrong.push(`${hostile.label}: the parent folder changed: ${Object.keys(now).filter((k) => now[k] !== installedTree[k]).concat(Object.keys(installedTree).filter((k) => !(k in now))).join(', ')}`);
    }
    expect(wrong).toEqual([]);
    expect(cases.length).toBeGreaterThan(50);
  }, 60_000);
});

const fixtures = cliFixtures();

describe('hostile archives through the command', () => {
  it.each([
    ['a symbolic link', () => rawZip([...gatewayEntries(random(1)).entries, { name: 'bin/link', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]), /symbolic link/],
    ['too many entries', () => rawZip(Array.from({ length: 20_001 }, (_, i) => ({ name: `f/${i}`, data: Buffer.alloc(0) }))), /more than 20000 files/],
    ['declared sizes past the limit', () => rawZip([...gatewayEntries(random(2)).entries, { name: 'dist/huge.bin', data: Buffer.from('x'), method: 'deflate', declaredSize: 0x7fffffff, centralOnly: true }, { name: 'dist/huge2.bin', data: Buffer.from('x'), method: 'deflate', declaredSize: 0x7fffffff, centralOnly: true }]), /more than 1000 MB/],
    ['a name that climbs out', () => rawZip([...gatewayEntries(random(3)).entries, { name: '../evil', data: Buffer.from('x') }]), /outside its folder/],
    ['a NUL in a name', () => rawZip([...gatewayEntries(random(4)).entries, { name: 'bin/a\u0000b', data: Buffer.from('x') }]), /control characters/],
  ])('%s: exit 1, one line, --json prints its JSON, the folder byte-identical', async (_label, make, reason) => {
    const config = fixtures.configDir();
    const zip = path.join(config, 'hostile.zip');
    writeFileSync(zip, make());
    const target = path.join(config, 'gw');
    const good = path.join(config, 'good.zip');
    writeFileSync(good, rawZip(gatewayEntries(random(5)).entries));
    const first = await run(['--dir', target, 'gateway', 'install', '--from', good], { configDir: config });
    expect(first.code, first.stderr).toBe(0);
    const before = treeOf(config);
    const plain = await run(['--dir', target, 'gateway', 'install', '--from', zip], { configDir: config });
    expect(plain.code, plain.stderr).toBe(1);
    expect(plain.stderr.trim().split('\n'), plain.stderr).toHaveLength(1);
    expect(plain.stderr).toMatch(reason);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
    const json = await run(['--json', '--dir', target, 'gateway', 'install', '--from', zip], { configDir: config });
    expect(json.code).toBe(1);
    expect(onlyJson(json)).toMatchObject({ ok: false, exitCode: 1, error: { message: expect.stringMatching(reason) } });
    expect(json.stderr).not.toMatch(/\s+at /);
    expect(treeOf(config)).toEqual(before);
  });
});
