/**
 * A local HTTPS server standing in for IBKR's download host and Adoptium's API, with its own CA (made
 * with openssl at test time) that the command trusts through NODE_EXTRA_CA_CERTS, as a user behind a
 * corporate CA would. It serves a zip of the simulator's fake gateway folder and the broken variants
 * the install must survive, and records the requests it saw.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { c as tarCreate } from 'tar';
import yazl from 'yazl';
import { makeGatewayFolder } from '../../sim/gateway-folder.js';

export interface DownloadServer {
  readonly origin: string;
  /** The CA certificate file, for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  /** The fake gateway folder's zip as served (with its .sim-home, so the copy runs). */
  readonly gatewayZip: Buffer;
  /** The ETag of /gateway.zip: change it to make the file "new". */
  etag: string;
  /** Requests seen: method, path and the conditional headers. */
  readonly requests: { path: string; ifNoneMatch: string | undefined }[];
  /** A file for /file/<name> (added by tests). */
  serve(name: string, body: Buffer): void;
  /**
   * Like serve, but only the first half goes out until `release()` is called: a download a test can
   * watch while it is under way, however fast the machine.
   */
  serveHeld(name: string, body: Buffer): { release(): void };
  close(): Promise<void>;
}

/** Zip a folder with yazl (files at the zip's top, like IBKR's); `rename` may change entry names. */
export function zipFolder(dir: string, rename: (name: string) => string = (n) => n): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const walk = (relative: string): void => {
    const full = path.join(dir, relative);
    for (const entry of readdirSync(full, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(name);
      // Like IBKR's zip: no Unix modes (the gateway starts with `bash bin/run.sh` anyway).
      else zip.addBuffer(readFileSync(path.join(dir, name)), rename(name), { mode: 0o100644 });
    }
  };
  walk('');
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

/**
 * The same zip with one entry renamed to climb out of its folder: yazl refuses "../" names, so the
 * name is patched in place (same length) in both the local header and the central directory.
 */
export async function zipWithEscapingEntry(dir: string): Promise<Buffer> {
  const zip = await zipFolder(dir, (name) => (name === '.sim-home' ? 'zz/evil.txt' : name));
  const from = Buffer.from('zz/evil.txt');
  const to = Buffer.from('../evil.txt');
  let at = zip.indexOf(from);
  while (at !== -1) {
    to.copy(zip, at);
    at = zip.indexOf(from, at + 1);
  }
  return zip;
}

/** A CA and a leaf for localhost/127.0.0.1 signed by it (openssl, EC keys: fast). */
export function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ibkr-tray test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  run('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=localhost');
  writeFileSync(path.join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.ext');
  return { ca: path.join(dir, 'ca.pem'), key: readFileSync(path.join(dir, 'leaf.key'), 'utf8'), cert: readFileSync(path.join(dir, 'leaf.pem'), 'utf8') };
}

/** A tar.gz of a fake JRE whose bin/java is a shell script printing a version, like `java -version`. */
export async function fakeJreArchive(dir: string, top = 'jdk-17.0.99+1-jre'): Promise<Buffer> {
  const java = path.join(dir, top, 'bin', 'java');
  mkdirSync(path.dirname(java), { recursive: true });
  writeFileSync(java, '#!/bin/sh\necho \'openjdk version "17.0.99" 2099-01-01\' >&2\n');
  chmodSync(java, 0o755);
  const file = path.join(dir, 'jre.tar.gz');
  await tarCreate({ gzip: true, file, cwd: dir, portable: true }, [top]);
  return readFileSync(file);
}

/** Adoptium's /v3/assets/latest answer for one package (only the fields the install reads, and a few more). */
function adoptiumAnswer(link: string, name: string, body: Buffer, checksum: string): unknown {
  return [
    {
      binary: { architecture: 'x64', image_type: 'jre', os: 'linux', package: { checksum, link, name, size: body.length }, project: 'jdk' },
      release_name: 'jdk-17.0.99+1',
      vendor: 'eclipse',
      version: { major: 17, semver: '17.0.99+1' },
    },
  ];
}

export async function startDownloadServer(): Promise<DownloadServer> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'ibkr-download-server-'));
  const certs = makeCertificates(work);
  const folder = await makeGatewayFolder({ parent: work });
  const gatewayZip = await zipFolder(folder.dir);
  const escaping = await zipWithEscapingEntry(folder.dir);
  const jre = await fakeJreArchive(work);
  const jreSha = createHash('sha256').update(jre).digest('hex');
  const files = new Map<string, Buffer>();
  const held = new Map<string, Promise<void>>();
  const stalled = new Set<ServerResponse>();

  const server = https.createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const ifNoneMatch = req.headers['if-none-match'];
    state.requests.push({ path: url.pathname, ifNoneMatch });
    const send = (body: Buffer, type = 'application/zip', headers: Record<string, string> = {}): void => {
      res.writeHead(200, { 'content-type': type, 'content-length': String(body.length), ...headers });
      res.end(body);
    };
    switch (url.pathname) {
      case '/gateway.zip':
        if (ifNoneMatch === state.etag) {
          res.writeHead(304, { etag: state.etag });
          res.end();
          return;
        }
        return send(gatewayZip, 'application/zip', { etag: state.etag, 'last-modified': 'Mon, 24 Apr 2023 10:00:00 GMT' });
      case '/redirect.zip':
        res.writeHead(302, { location: '/gateway.zip' });
        res.end();
        return;
      case '/truncated.zip':
        return send(gatewayZip.subarray(0, Math.floor(gatewayZip.length / 2)));
      case '/escaping.zip':
        return send(escaping);
      case '/error.zip':
        return send(Buffer.from('<!DOCTYPE html>\n<html><body><h1>Sorry, the download is unavailable</h1></body></html>\n'), 'text/html; charset=utf-8');
      case '/stall.zip':
        // Announce the whole file, send half, then say nothing more.
        res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(gatewayZip.length) });
        res.write(gatewayZip.subarray(0, Math.floor(gatewayZip.length / 2)));
        stalled.add(res);
        return;
      case '/jre.tar.gz':
        return send(jre, 'application/gzip');
      default:
        break;
    }
    const adoptium = /^\/(adoptium|wrong-checksum)\/v3\/assets\/latest\/17\/hotspot$/.exec(url.pathname);
    if (adoptium) {
      const checksum = adoptium[1] === 'adoptium' ? jreSha : createHash('sha256').update('something else').digest('hex');
      return send(Buffer.from(JSON.stringify(adoptiumAnswer(`${state.origin}/jre.tar.gz`, 'OpenJDK17U-jre_x64_linux_hotspot_17.0.99_1.tar.gz', jre, checksum))), 'application/json');
    }
    const file = /^\/file\/(.+)$/.exec(url.pathname)?.[1];
    const body = file ? files.get(file) : undefined;
    const gate = file ? held.get(file) : undefined;
    if (body && gate) {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      stalled.add(res);
      void gate.then(() => {
        stalled.delete(res);
        res.end(body.subarray(Math.floor(body.length / 2)));
      });
      return;
    }
    if (body) return send(body);
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const state: DownloadServer & { origin: string } = {
    origin: `https://localhost:${port}`,
    caFile: certs.ca,
    gatewayZip,
    etag: '"v1"',
    requests: [],
    serve: (name, body) => files.set(name, body),
    serveHeld: (name, body) => {
      let release = (): void => undefined;
      held.set(name, new Promise<void>((resolve) => (release = resolve)));
      files.set(name, body);
      return { release: () => release() };
    },
    close: async () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(work, { recursive: true, force: true });
    },
  };
  return state;
}
