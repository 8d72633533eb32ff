/**
 * Read a small file the app keeps in the settings folder (the settings file, its lock, the command's
 * pacing record, a gateway's pid record) without ever blocking: these reads are synchronous, and a
 * FIFO put in a file's place (`mkfifo config.json`) would block the event loop forever (even SIGTERM
 * is never handled then). So the file is opened non-blocking and judged by its type on the open
 * descriptor (no race between a check and the read), and a file bigger than the app ever writes is
 * damage, not read.
 */
import fs from 'node:fs';

export type SmallFile =
  | { readonly kind: 'missing' }
  /** Not a regular file (a FIFO, a folder, a device, or a link when links are not followed): never read. */
  | { readonly kind: 'not-a-file'; readonly what: string }
  | { readonly kind: 'too-big'; readonly size: number }
  | { readonly kind: 'text'; readonly text: string; readonly ino: number; readonly mtimeMs: number };

/** The app's records are a few KB; a settings file of many profiles stays far below this. */
export const SMALL_FILE_LIMIT = 1024 * 1024;

function kindOf(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isDirectory()) return 'a folder';
  if (stat.isSymbolicLink()) return 'a link';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * The file's text, or why it is not read. `followLinks` false: a link is 'not-a-file' (a lock is
 * ours only as a plain file). Other fs errors (EACCES) are thrown as they are.
 */
export function readSmallFile(file: string, options: { readonly followLinks?: boolean; readonly maxBytes?: number } = {}): SmallFile {
  const maxBytes = options.maxBytes ?? SMALL_FILE_LIMIT;
  // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
  const flags = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0) | (options.followLinks === false ? (fs.constants.O_NOFOLLOW ?? 0) : 0);
  if (options.followLinks === false) {
    const link = fs.lstatSync(file, { throwIfNoEntry: false });
    if (!link) return { kind: 'missing' };
    if (!link.isFile()) return { kind: 'not-a-file', what: kindOf(link) };
  }
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'missing' };
    if (code === 'ELOOP') return { kind: 'not-a-file', what: 'a link' };
    if (code === 'EISDIR') return { kind: 'not-a-file', what: 'a folder' };
    throw error;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) return { kind: 'not-a-file', what: kindOf(stat) };
    if (stat.size > maxBytes) return { kind: 'too-big', size: stat.size };
    const buffer = Buffer.alloc(Math.min(stat.size, maxBytes) + 1);
    let length = 0;
    // Bounded: a file growing while read is cut at the limit and judged too big.
    while (length < buffer.length) {
      const n = fs.readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    if (length > maxBytes) return { kind: 'too-big', size: length };
    return { kind: 'text', text: buffer.subarray(0, length).toString('utf8'), ino: stat.ino, mtimeMs: stat.mtimeMs };
  } finally {
    fs.closeSync(fd);
  }
}
