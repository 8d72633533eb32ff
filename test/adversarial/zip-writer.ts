/**
 * A zip writer that writes whatever it is told, for hostile archives no zip library would make: any
 * entry name bytes (absolute, "..", backslashes, NUL), any Unix mode (links), declared sizes and CRCs
 * that lie, and an end record whose entry count lies. Stored or deflated entries; no zip64.
 */
import zlib from 'node:zlib';

export interface RawEntry {
  /** The name as stored (UTF-8, flagged so). */
  readonly name: string | Buffer;
  readonly data: Buffer;
  readonly method?: 'store' | 'deflate';
  /** Unix mode in the upper 16 bits of the external attributes (0o100644 a file, 0o120777 a link). */
  readonly mode?: number;
  /** Lies, written in both headers unless `centralOnly`. */
  readonly declaredSize?: number;
  readonly declaredCompressedSize?: number;
  readonly crc?: number;
  readonly centralOnly?: boolean;
}

export interface RawZipOptions {
  /** The entry count the end record claims (default the true one). */
  readonly claimedEntries?: number;
}

function crc32(data: Buffer): number {
  return zlib.crc32(data) >>> 0;
}

export function rawZip(entries: readonly RawEntry[], options: RawZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.isBuffer(entry.name) ? entry.name : Buffer.from(entry.name, 'utf8');
    const method = entry.method ?? 'store';
    const body = method === 'deflate' ? zlib.deflateRawSync(entry.data) : entry.data;
    const crc = entry.crc ?? crc32(entry.data);
    const size = entry.declaredSize ?? entry.data.length;
    const compressed = entry.declaredCompressedSize ?? body.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method === 'deflate' ? 8 : 0, 8);
    local.writeUInt32LE(0, 10); // time, date
    local.writeUInt32LE(entry.centralOnly ? crc32(entry.data) : crc, 14);
    local.writeUInt32LE(entry.centralOnly ? body.length : compressed, 18);
    local.writeUInt32LE(entry.centralOnly ? entry.data.length : size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method === 'deflate' ? 8 : 0, 10);
    central.writeUInt32LE(0, 12);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30);
    central.writeUInt16LE(0, 32);
    central.writeUInt16LE(0, 34);
    central.writeUInt16LE(0, 36);
    central.writeUInt32LE(((entry.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = Math.min(options.claimedEntries ?? entries.length, 0xffff);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export interface RawTarEntry {
  readonly name: string;
  readonly data?: Buffer;
  /** '0' a file, '2' a symbolic link, '5' a folder. */
  readonly type?: '0' | '2' | '5';
  readonly linkname?: string;
  readonly mode?: number;
}

/** A gzipped ustar archive that writes whatever names and links it is told (no library's checks). */
export function rawTarGz(entries: readonly RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0);
    const header = Buffer.alloc(512);
    const field = (value: string, at: number, length: number): void => void header.write(value.slice(0, length), at, length, 'utf8');
    const octal = (value: number, at: number, length: number): void => field(`${value.toString(8).padStart(length - 1, '0')}\0`, at, length);
    field(entry.name, 0, 100);
    octal(entry.mode ?? (entry.type === '5' ? 0o755 : 0o644), 100, 8);
    octal(0, 108, 8);
    octal(0, 116, 8);
    octal(entry.type === '0' || entry.type === undefined ? data.length : 0, 124, 12);
    octal(0, 136, 12);
    header.fill(' ', 148, 156);
    field(entry.type ?? '0', 156, 1);
    field(entry.linkname ?? '', 157, 100);
    field('ustar\u000000', 257, 8);
    let sum = 0;
    for (const byte of header) sum += byte;
    field(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
    blocks.push(header);
    if (entry.type === '0' || entry.type === undefined) {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return zlib.gzipSync(Buffer.concat(blocks));
}
