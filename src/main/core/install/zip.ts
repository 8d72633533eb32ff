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
        // Through a promise: a check that throws at once must reject, not escape into yauzl's
        // callback as an uncaught exception (which ended the whole process, the dashboard's too).
        Promise.resolve()
          .then(() => visit(entry, zip))
          .then(
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

/** Longest entry name, and longest part of one, that the install accepts (file systems allow 255 per part). */
const MAX_NAME_LENGTH = 1024;
const MAX_PART_LENGTH = 255;

/** Why an entry's name is refused, or null: outside the folder, controls, too long. */
function unsafeName(name: string): string | null {
  if (name.split('/').includes('..') || path.posix.isAbsolute(name) || /^[A-Za-z]:/.test(name) || name.includes('\\')) return 'would be written outside its folder';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'has control characters in its name';
  if (name.length > MAX_NAME_LENGTH || name.split('/').some((part) => Buffer.byteLength(part) > MAX_PART_LENGTH)) return 'has a name too long for a file system';
  return null;
}

/** A name as shown in a refusal: printable and short (the line stays one line, however hostile). */
function shownName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 77)}…` : printable;
}

/** List a zip and check it is safe to unpack within `limits`. Rejects with InstallError. */
export async function listZip(file: string, what: string, limits: ZipLimits): Promise<ZipListing> {
  const names: string[] = [];
  // Every path the zip makes (its folders included), without case: two entries that would be one
  // file on macOS or Windows, or a file that is also a folder, are refused.
  const files = new Map<string, string>();
  const folders = new Set<string>();
  let unpackedBytes = 0;
  await eachEntry(file, what, (entry) => {
    const name = entry.fileName;
    const unsafe = unsafeName(name);
    if (unsafe) throw new InstallError('unsafe', `${what} holds an entry that ${unsafe} ("${shownName(name)}"): refused, nothing was unpacked.`);
    if (isLink(entry)) throw new InstallError('unsafe', `${what} holds a symbolic link ("${shownName(name)}"), which the gateway's zip never does: refused.`);
    names.push(name);
    if (names.length > limits.maxEntries) throw new InstallError('too-big', `${what} holds more than ${limits.maxEntries} files: refused.`);
    unpackedBytes += entry.uncompressedSize;
    if (unpackedBytes > limits.maxBytes) throw new InstallError('too-big', `${what} would unpack to more than ${Math.round(limits.maxBytes / 1e6)} MB: refused.`);
    const parts = name.split('/').filter((part) => part !== '' && part !== '.');
    const isFolder = name.endsWith('/');
    for (let i = 1; i <= parts.length; i++) {
      const key = parts.slice(0, i).join('/').toLowerCase();
      const asFolder = i < parts.length || isFolder;
      const clash = asFolder ? files.get(key) : (files.get(key) ?? (folders.has(key) ? key : undefined));
      if (clash !== undefined) {
        throw new InstallError('unsafe', `${what} holds two entries for one file ("${shownName(clash)}" and "${shownName(name)}", names compared without case): refused, nothing was unpacked.`);
      }
      if (asFolder) folders.add(key);
      else files.set(key, name);
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
