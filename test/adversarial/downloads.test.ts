/**
 * Servers that lie, against `gateway install --from URL` (the real command) and against the engine's
 * download under `serve` (the dashboard's Download the gateway). Every lie — Content-Length longer,
 * shorter, zero, huge, malformed or twice; silence before the headers, after them or halfway; a
 * connection cut before or during the body; redirects in a loop, to plain HTTP, to nowhere or
 * without a Location; HTML, error statuses, a 304 nobody asked for, bytes that are no HTTP, broken
 * chunks — ends in the one line the README promises with its exit code, `--json` prints its JSON,
 * nothing is left beside the target, and the previous install is byte-identical. Under `serve` the
 * process survives every one and the dashboard's snapshot shows why. Parameters (lengths, cut
 * points) come from a seeded generator: ADVERSARIAL_SEED=n replays another set.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebRoutes } from '../../src/shared/api.js';
import { installGateway } from '../../src/main/core/install/gateway-install.js';
import { until } from '../sim/until.js';
import { onlyJson, run } from '../integration/cli/command.js';
import { cliFixtures } from '../integration/cli/fixtures.js';
import { gatewayEntries, random } from './generate.js';
import { lies, startLyingServer, type Lie, type LyingServer } from './lying-server.js';
import { treeOf } from './tree.js';
import { rawTarGz, rawZip } from './zip-writer.js';

const SEED = Number(process.env['ADVERSARIAL_SEED'] ?? 2121);
const fixtures = cliFixtures();
let server: LyingServer;
let good: Buffer;

beforeAll(async () => {
  server = await startLyingServer();
  good = rawZip(gatewayEntries(random(SEED)).entries);
  server.on('/ok.zip', lies.honest(good));
}, 60_000);
afterAll(async () => {
  await server.close();
});

function env(): Record<string, string> {
  return { NODE_EXTRA_CA_CERTS: server.caFile, HTTPS_PROXY: '', https_proxy: '', HTTP_PROXY: '', http_proxy: '' };
}

interface Scenario {
  readonly name: string;
  readonly lie: Lie;
  /** The exit codes that fit (3: the server or network; 1: what it sent is not the gateway's zip). */
  readonly codes: readonly number[];
  readonly says?: RegExp;
}

function scenarios(): Scenario[] {
  const rng = random(SEED ^ 0x21);
  const n = good.length;
  const some = (from: number, to: number): number => from + Math.floor(rng() * (to - from));
  return [
    { name: 'a Content-Length longer than the body', lie: lies.length(good, String(n + some(1, 5000))), codes: [3], says: /connection|ended after/ },
    { name: 'a Content-Length shorter than the body', lie: lies.length(good, String(some(1, n - 1))), codes: [1, 3] },
    { name: 'a Content-Length of zero', lie: lies.length(good, '0'), codes: [1], says: /empty/ },
    { name: 'a huge Content-Length', lie: lies.length(good, String(some(300_000_001, 2 ** 50))), codes: [1], says: /more than the \d+ expected/ },
    { name: 'a malformed Content-Length', lie: lies.length(good, ['abc', '-5', '12, 13', '0x10', ' '][some(0, 5)]!), codes: [1, 3] },
    { name: 'two Content-Lengths', lie: lies.length(good, [String(n), String(some(1, n))]), codes: [1, 3] },
    { name: 'no Content-Length and a cut body', lie: lies.noLength(good.subarray(0, some(1, n - 1))), codes: [1], says: /damaged|not a zip/ },
    { name: 'silence before the headers', lie: lies.silent(), codes: [3], says: /sent nothing for/ },
    { name: 'silence after the headers', lie: lies.stall(good, 0), codes: [3], says: /sent nothing for/ },
    { name: 'silence halfway through the body', lie: lies.stall(good, some(1, n - 1)), codes: [3], says: /sent nothing for/ },
    { name: 'the connection cut before any answer', lie: lies.hangUp(), codes: [3] },
    { name: 'the connection cut mid-body', lie: lies.cut(good, some(1, n - 1)), codes: [3] },
    { name: 'a redirect loop', lie: lies.redirect('/lie'), codes: [3], says: /more than 5 redirects/ },
    { name: 'a redirect to plain HTTP', lie: lies.redirect(`http://127.0.0.1:1/ok.zip`), codes: [3], says: /not HTTPS/ },
    { name: 'a redirect to a file: address', lie: lies.redirect('file:///etc/passwd', '301 Moved Permanently'), codes: [3], says: /would come from a file: address, which is not HTTPS/ },
    { name: 'a redirect to nowhere', lie: lies.redirect(['http://[::1', 'https://', '//:99999/x'][some(0, 3)]!, '301 Moved Permanently'), codes: [3] },
    { name: 'a redirect without a Location', lie: lies.redirect(null, '307 Temporary Redirect'), codes: [3], says: /without a Location/ },
    { name: 'an HTML page with 200', lie: lies.html(), codes: [1], says: /web page, not a zip/ },
    ...['500 Internal Server Error', '404 Not Found', '403 Forbidden', '429 Too Many Requests', '206 Partial Content'].map((status) => ({ name: `HTTP ${status}`, lie: lies.status(status), codes: [3], says: /answered HTTP \d+/ })),
    { name: 'a 304 nobody asked for', lie: lies.status('304 Not Modified', ''), codes: [3], says: /304 \(not modified\)/ },
    { name: 'bytes that are no HTTP', lie: lies.raw(['SSH-2.0-OpenSSH_9.2\r\n\r\n', '\u0000\u0001\u0002garbage', 'HTTP/1.1 999999 What\r\n\r\n'][some(0, 3)]!), codes: [3] },
    { name: 'chunks whose sizes lie', lie: lies.badChunks(good), codes: [1, 3] },
  ];
}

/** Every InstallFailureKind (install-error.ts): what --json names a refused install's error. */
const INSTALL_KINDS: readonly string[] = ['download', 'damaged', 'layout', 'unsafe', 'too-big', 'checksum', 'disk', 'unsupported', 'cancelled', 'gateway', 'occupied', 'source'];

/** A previous install made by the app (in-process: quick), in its own settings folder. */
async function previousInstall(config: string): Promise<string> {
  const zip = path.join(config, 'previous.zip');
  writeFileSync(zip, good);
  const folder = path.join(config, 'clientportal.gw');
  await installGateway({ folder, source: zip });
  writeFileSync(path.join(folder, 'root', 'conf.yaml'), 'listenPort: 5099 # the user\'s\n');
  return folder;
}

/** Run `work` over `items`, `width` at a time (the machine has two cores). */
async function inBatches<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  }));
}

describe(`servers that lie, against gateway install --from URL (seed ${SEED})`, () => {
  it('the honest server installs (the control)', async () => {
    const config = fixtures.configDir();
    const result = await run(['--json', 'gateway', 'install', '--from', `${server.origin}/ok.zip`], { configDir: config, env: env() });
    expect(result.code, result.stderr).toBe(0);
    expect(onlyJson(result)).toMatchObject({ ok: true, outcome: 'installed', bytes: good.length });
  });

  it('every lie: its one line and exit code, --json prints its JSON, the previous install byte-identical', async () => {
    const wrong: string[] = [];
    const list = scenarios();
    await inBatches([...list.entries()], 3, async ([i, scenario]) => {
      const at = `/lie-${i}`;
      server.on(at, scenario.name === 'a redirect loop' ? lies.redirect(at) : scenario.lie);
      const config = fixtures.configDir();
      const folder = await previousInstall(config);
      const before = treeOf(config);
      const result = await run(['--json', '--timeout', '0.1', '--dir', folder, 'gateway', 'install', '--from', `${server.origin}${at}`], { configDir: config, env: env() });
      const problem = (what: string): void => void wrong.push(`${scenario.name}: ${what} (exit ${result.code}; stdout ${JSON.stringify(result.stdout)}; stderr ${JSON.stringify(result.stderr)})`);
      if (!scenario.codes.includes(result.code ?? -1)) return problem('exit code');
      if (/\n\s+at |\bat .*\(.*:\d+:\d+\)/.test(result.stderr)) return problem('a stack trace');
      if (result.stderr.trim().split('\n').length !== 1) return problem('not one line on stderr');
      let json: Record<string, unknown>;
      try {
        json = onlyJson(result);
      } catch {
        return problem('no JSON');
      }
      const message = (json['error'] as { message?: string } | undefined)?.message ?? '';
      if (json['ok'] !== false || json['exitCode'] !== result.code || !message || message.includes('\n')) return problem('not the error JSON');
      if (scenario.says && !scenario.says.test(message)) return problem(`the line does not say ${String(scenario.says)}`);
      // The install error's own kind, for a script to act on (not the generic "failure").
      const kind = (json['error'] as { kind?: string }).kind ?? '';
      if (!INSTALL_KINDS.includes(kind)) return problem(`--json's kind is ${JSON.stringify(kind)}`);
      const after = treeOf(config);
      const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
      if (changed.length) return problem(`changed: ${changed.join(', ')}`);
    });
    expect(wrong).toEqual([]);
  }, 120_000);
});

/** The state of a process from /proc (R, S, Z…), or null when it is gone: `kill -0` is fooled by zombies. */
function processState(pid: number): string | null {
  try {
    return /\) (\w)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

describe('serve survives bad downloads, and its dashboard says why', () => {
  it('one serve, one hostile download after another: it keeps running and each reason reaches the snapshot', async () => {
    const rng = random(SEED ^ 0x5e);
    const link = rawZip([...gatewayEntries(rng).entries, { name: 'bin/link', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]);
    const many = rawZip(Array.from({ length: 20_001 }, (_, i) => ({ name: `f/${i}`, data: Buffer.alloc(0) })));
    const huge = rawZip([...gatewayEntries(rng).entries, ...[1, 2].map((i) => ({ name: `dist/huge-${i}.bin`, data: Buffer.from('x'), method: 'deflate' as const, declaredSize: 0x7fffffff, centralOnly: true }))]);
    const turns: [Lie, RegExp][] = [
      [lies.honest(link), /symbolic link/],
      [lies.honest(many), /more than 20000 files/],
      [lies.honest(huge), /more than 1000 MB/],
      [lies.stall(good, 10), /sent nothing for/],
      [lies.cut(good, 10), /connection|ended after/],
      [lies.redirect('http://[::1'), /not a web address/],
      [lies.html(), /web page, not a zip/],
    ];
    server.inTurn('/serve.zip', [...turns.map(([lie]) => lie), lies.honest(good)]);
    const config = fixtures.configDir();
    const serve = fixtures.start(['--timeout', '0.2', 'serve', '--port', '0'], { configDir: config, env: { ...env(), IBKR_TRAY_GATEWAY_ZIP_URL: `${server.origin}/serve.zip` } });
    const [, url] = (await serve.waitForOutput(/dashboard: (http:\/\/127\.0\.0\.1:\d+\/\S*)\n/)) as unknown as [string, string];
    const headers = { authorization: `Bearer ${new URL(url).searchParams.get('token')}` };
    interface Snap { install: unknown; notices: { level: string; text: string }[] }
    const snapshot = async (): Promise<Snap> => (await (await fetch(new URL(WebRoutes.getSnapshot.path, url), { headers })).json()) as Snap;
    const download = async (): Promise<{ level: string; text: string }> => {
      const seen = (await snapshot()).notices.length;
      const sent = await fetch(new URL(WebRoutes.send.path, url), { method: 'POST', headers: { ...headers, origin: new URL(url).origin, 'content-type': 'application/json' }, body: JSON.stringify({ type: 'install-gateway' }) });
      const began = (await sent.json()) as { ok: boolean };
      expect(began, JSON.stringify(began)).toMatchObject({ ok: true });
      const done = await until('the download to end', async () => {
        const now = await snapshot();
        return now.install === null && now.notices.length > seen ? now : null;
      }, 20_000, 50);
      return done.notices.at(-1)!;
    };
    for (const [, reason] of turns) {
      const notice = await download();
      expect(notice.level).toBe('error');
      expect(notice.text).toMatch(reason);
      expect(notice.text).not.toMatch(/\n/);
      expect(['R', 'S', 'D']).toContain(processState(serve.pid));
      expect(treeOf(config)['clientportal.gw']).toBeUndefined();
      expect(Object.keys(treeOf(config)).filter((name) => name.includes('.install-'))).toEqual([]);
    }
    // The dashboard's Download the gateway follows the command's rule: a folder of the user's where
    // the gateway would go is refused before any download, and left byte-identical.
    const mine = path.join(config, 'clientportal.gw');
    mkdirSync(mine);
    writeFileSync(path.join(mine, 'notes.txt'), 'mine\n');
    const before = treeOf(config);
    const refused = await download();
    expect(refused.text).toMatch(/clientportal\.gw holds files that IBKR Tray did not install \(notes\.txt\)/);
    expect(treeOf(config)).toEqual(before);
    rmSync(mine, { recursive: true });
    // And it still installs when the server tells the truth.
    expect((await download()).text).toMatch(/Installed the gateway in/);
    expect(serve.stderr()).not.toMatch(/\n\s+at /);
    serve.signal('SIGINT');
    expect((await serve.done).code).toBe(0);
  }, 120_000);
});

/** Adoptium's answer naming one package at `link` (checksum and size as given: they may lie too). */
function adoptium(link: string, body: Buffer, size = body.length): Lie {
  const answer = JSON.stringify([
    { release_name: 'jdk-17.0.99+1', binary: { image_type: 'jre', package: { name: 'OpenJDK17U-jre_x64_linux_hotspot_17.0.99_1.tar.gz', link, checksum: createHash('sha256').update(body).digest('hex'), size } } },
  ]);
  return (s) => s.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(answer)}\r\nconnection: close\r\n\r\n${answer}`);
}

const JAVA = '#!/bin/sh\necho \'openjdk version "17.0.99" 2099-01-01\' >&2\n';

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('a lying Adoptium, against java install', () => {
  it('every lie: one line, its exit code, --json prints its JSON, nothing left and nothing written outside', async () => {
    const rng = random(SEED ^ 0x7a);
    const jre = rawTarGz([{ name: 'jdk-17.0.99+1-jre/bin/java', data: Buffer.from(JAVA), mode: 0o755 }]);
    type JavaCase = { name: string; api: Lie; file?: Buffer; fileLie?: (body: Buffer) => Lie; codes: number[]; says: RegExp };
    const cases = (outside: string): JavaCase[] => [
      { name: 'an HTML answer', api: lies.html(), codes: [3], says: /not the list expected/ },
      { name: 'an answer that stalls', api: lies.stall(Buffer.from('[{"release_name":'), 5), codes: [3], says: /sent nothing for/ },
      { name: 'a redirect loop', api: lies.redirect('/loop'), codes: [3], says: /more than 5 redirects/ },
      { name: 'a runtime cut mid-body', api: lies.honest(Buffer.alloc(0)), file: jre, fileLie: (b) => lies.cut(b, 1 + Math.floor(rng() * (b.length - 2))), codes: [3], says: /./ },
      { name: 'a runtime whose size is not the published one', api: lies.honest(Buffer.alloc(0)), file: jre, codes: [1], says: /not the \d+ Adoptium published/ },
      { name: 'a runtime with a ../ entry', api: lies.honest(Buffer.alloc(0)), file: rawTarGz([{ name: 'jdk-17.0.99+1-jre/bin/java', data: Buffer.from(JAVA), mode: 0o755 }, { name: '../../evil', data: Buffer.from('x') }]), codes: [1], says: /could not be unpacked/ },
      {
        name: 'a runtime that writes through a link',
        api: lies.honest(Buffer.alloc(0)),
        file: rawTarGz([{ name: 'jdk-17.0.99+1-jre/bin/java', data: Buffer.from(JAVA), mode: 0o755 }, { name: 'jdk-17.0.99+1-jre/lib', type: '2', linkname: outside }, { name: 'jdk-17.0.99+1-jre/lib/evil', data: Buffer.from('x') }]),
        codes: [1],
        says: /./,
      },
      { name: 'a runtime with no java in it', api: lies.honest(Buffer.alloc(0)), file: rawTarGz([{ name: 'jdk-17.0.99+1-jre/readme', data: Buffer.from('hi') }]), codes: [1], says: /holds no Java runtime/ },
      { name: 'a runtime that is no archive', api: lies.honest(Buffer.alloc(0)), file: Buffer.from('<html>sorry</html>'), codes: [1], says: /could not be unpacked/ },
    ];
    const wrong: string[] = [];
    const config0 = fixtures.configDir();
    for (const [i, scenario] of cases(path.join(config0, 'outside')).entries()) {
      const config = i === 0 ? config0 : fixtures.configDir();
      const outside = path.join(config, 'outside');
      mkdirSync(outside);
      const c = i === 0 ? scenario : cases(outside)[i]!;
      const base = `/java-${i}`;
      if (c.file) {
        const link = `${server.origin}${base}/jre.tar.gz`;
        server.on(`${base}/jre.tar.gz`, c.fileLie ? c.fileLie(c.file) : lies.honest(c.file));
        server.on(`${base}/v3/assets/latest/17/hotspot`, adoptium(link, c.file, c.name.includes('size') ? c.file.length + 1 : c.file.length));
      } else {
        server.on(`${base}/v3/assets/latest/17/hotspot`, c.name === 'a redirect loop' ? lies.redirect(`${base}/v3/assets/latest/17/hotspot`) : c.api);
      }
      const before = treeOf(config);
      const result = await run(['--json', '--timeout', '0.1', 'java', 'install'], { configDir: config, env: { ...env(), IBKR_TRAY_ADOPTIUM_API: `${server.origin}${base}` } });
      const message = ((): string => {
        try {
          return ((onlyJson(result)['error'] as { message?: string } | undefined)?.message ?? '');
        } catch {
          return '';
        }
      })();
      const after = treeOf(config);
      const changed = Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]);
      if (!c.codes.includes(result.code ?? -1) || !c.says.test(message) || message.includes('\n') || /\n\s+at /.test(result.stderr) || result.stderr.trim().split('\n').length !== 1 || changed.length || existsSync(path.join(outside, 'evil'))) {
        wrong.push(`${c.name}: exit ${result.code}, ${JSON.stringify(message)}, changed ${changed.join(', ')}; stderr ${JSON.stringify(result.stderr.slice(0, 300))}`);
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);
});
