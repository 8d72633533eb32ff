/**
 * Reading a downloaded zip safely with yauzl (which reads the central directory, so a truncated
 * file is caught before anything is written): list it, refuse entries that would land outside the
 * target (zip-slip), links and absurd sizes, then unpack with each entry's size and CRC-32 checked.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { InstallError } from './install-error.js';

export interface ZipLimits {
  /** Most bytes all entries may unpack to. */
  readonly maxBytes: number;
  readonly maxEntries: number;
}

export interface ZipListing {
  /** Entry names with forward slashes; folders end with '/'. */
  readonly names: readonly string[];
  readonly unpackedBytes: number;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** What the first bytes of a file say it is, for the message when it is not a zip. */
async function notAZipReason(file: string, what: string): Promise<string | null> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(512);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const start = head.subarray(0, bytesRead);
    if (start.subarray(0, 4).equals(Buffer.from('PK\u0003\u0004', 'latin1'))) return null;
    const text = start.toString('utf8').trimStart().toLowerCase();
    if (text.startsWith('<')) return `${what} is a web page, not a zip (the server sent an error or sign-in page): check the address, or download the zip by hand and use --from FILE.`;
    if (bytesRead === 0) return `${what} is empty: try again.`;
    return `${what} is not a zip file: check the address or the file.`;
  } finally {
    await handle.close();
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (error, zip) => (error ? reject(error) : resolve(zip)));
  });
}

/** yauzl's own refusals of dangerous names, in the user's words. */
function zipFailure(error: unknown, what: string): InstallError {
  const message = (error as Error).message;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new InstallError('disk', `The disk is full while unpacking ${what}: free some space and try again; nothing was changed.`);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new InstallError('disk', `${what} cannot be unpacked here (${message}): choose a folder you can write to.`);
  if (/invalid relative path|absolute path|invalid characters in fileName/.test(message)) {
    const name = /: (.*)$/.exec(message)?.[1] ?? message;
    return new InstallError('unsafe', `${what} holds an entry that would be written outside its folder ("${name}"): refused, nothing was unpacked.`);
  }
  return new InstallError('damaged', `${what} is damaged or incomplete (${message}): download it again.`);
}

/** Each entry of the zip, in order, until `visit` returns false; the zip is closed afterwards. */
async function eachEntry(file: string, what: string, visit: (entry: yauzl.Entry, zip: yauzl.ZipFile) => Promise<void>): Promise<void> {
  const reason = await notAZipReason(file, what);
  if (reason) throw new InstallError('damaged', reason);
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(file);
  } catch (error) {
    throw zipFailure(error, what);
  }
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (error) => reject(error instanceof InstallError ? error : zipFailure(error, what)));
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        visit(entry, zip).then(
          () => zip.readEntry(),
          (error: unknown) => reject(error instanceof InstallError ? error : zipFailure(error, what)),
        );
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

function isLink(entry: yauzl.Entry): boolean {
  // The upper 16 bits carry the Unix mode when the zip was made on Unix.
  return ((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK;
}

/** List a zip and check it is safe to unpack within `limits`. Rejects with InstallError. */
export async function listZip(file: string, what: string, limits: ZipLimits): Promise<ZipListing> {
  const names: string[] = [];
  let unpackedBytes = 0;
  await eachEntry(file, what, (entry) => {
    const name = entry.fileName;
    if (name.split('/').includes('..') || path.posix.isAbsolute(name) || /^[A-Za-z]:/.test(name)) {
      throw new InstallError('unsafe', `${what} holds an entry that would be written outside its folder ("${name}"): refused, nothing was unpacked.`);
    }
    if (isLink(entry)) throw new InstallError('unsafe', `${what} holds a symbolic link ("${name}"), which the gateway's zip never does: refused.`);
    names.push(name);
    unpackedBytes += entry.uncompressedSize;
    if (names.length > limits.maxEntries || unpackedBytes > limits.maxBytes) {
      throw new InstallError('too-big', `${what} would unpack to more than ${limits.maxEntries} files or ${Math.round(limits.maxBytes / 1e6)} MB: refused.`);
    }
    return Promise.resolve();
  });
  return { names, unpackedBytes };
}

/** Counts CRC-32 over what passes through (zlib.crc32 exists from Node 20.15; without it, sizes only). */
function crcCheck(expected: number, name: string, what: string): Transform | null {
  const crc32 = (zlib as { crc32?: (data: Buffer, value?: number) => number }).crc32;
  if (!crc32) return null;
  let value = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      value = crc32(chunk, value);
      callback(null, chunk);
    },
    flush(callback) {
      callback(value >>> 0 === expected >>> 0 ? null : new InstallError('damaged', `${what} is damaged (${name} does not match its checksum): download it again.`));
    },
  });
}

/**
 * Unpack the entries under `prefix` (e.g. "clientportal.gw/", or "" for all) into `dir`, which must
 * exist. Call listZip first: this re-checks every path but not the limits.
 */
export async function unzipInto(file: string, dir: string, options: { prefix: string; what: string; signal?: AbortSignal | undefined }): Promise<number> {
  const { prefix, what, signal } = options;
  const root = path.resolve(dir);
  let files = 0;
  await eachEntry(file, what, async (entry, zip) => {
    if (signal?.aborted) throw new InstallError('cancelled', `Unpacking ${what} was cancelled; nothing was changed.`);
    if (!entry.fileName.startsWith(prefix) || entry.fileName === prefix) return;
    const relative = entry.fileName.slice(prefix.length);
    const target = path.resolve(root, ...relative.split('/').filter(Boolean));
    const inside = path.relative(root, target);
    if (inside.startsWith('..') || path.isAbsolute(inside)) {
      throw new InstallError('unsafe', `${what} holds an entry that would be written outside its folder ("${entry.fileName}"): refused.`);
    }
    if (relative.endsWith('/')) {
      await mkdir(target, { recursive: true });
      return;
    }
    await mkdir(path.dirname(target), { recursive: true });
    const unixMode = (entry.externalFileAttributes >>> 16) & 0o777;
    // IBKR's zip carries no modes (the gateway is started with `bash bin/run.sh`); keep exec bits that are there.
    const mode = unixMode & 0o111 ? 0o755 : 0o644;
    const stream = await zip.openReadStreamPromise(entry);
    const check = crcCheck(entry.crc32, entry.fileName, what);
    const out = createWriteStream(target, { mode });
    const stages = check ? [stream, check, out] : [stream, out];
    await (pipeline as (...streams: unknown[]) => Promise<void>)(...stages, ...(signal ? [{ signal }] : []));
    files += 1;
  });
  return files;
}
