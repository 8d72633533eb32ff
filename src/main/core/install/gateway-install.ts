/**
 * Installing or updating IBKR's Client Portal Gateway from its zip (a URL or a local file): download,
 * check it is a safe zip with the gateway's layout, unpack it next to the target and rename it into
 * place only when complete. An update downloads only when IBKR's file changed (ETag /
 * Last-Modified), keeps the user's root/*.yaml (conf.yaml and the app's own conf), and stops the
 * gateway only for the moment of the swap, starting it again if it was running.
 *
 * Any failure leaves the previous folder (or nothing) as it was. The shells (command, tray window)
 * call installGateway with an onProgress callback and an AbortSignal.
 */
import { copyFile, cp, lstat, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { download, type Validators } from './download.js';
import { asInstallError, InstallError } from './install-error.js';
import { withInstallLock } from './install-lock.js';
import { GATEWAY_RECORD, mayReplace } from './ownership.js';
import { cleanStaleStaging, makeStaging, removeStaging, swapInto } from './staging.js';
import { listZip, unzipInto } from './zip.js';

export { GATEWAY_FOLDER_NAME, IBKR_GATEWAY_ZIP_URL, gatewayInstallFolder } from './places.js';
import { IBKR_GATEWAY_ZIP_URL } from './places.js';

/**
 * Kept in the installed folder: where it came from and what the server said about the file. It is
 * also the mark that IBKR Tray installed the folder, the only kind of folder an update replaces.
 */
export const DOWNLOAD_RECORD = GATEWAY_RECORD;

/** A folder that holds IBKR's gateway (said so when it is refused for not being the app's). */
function looksLikeGateway(names: readonly string[]): boolean {
  return names.includes('bin') && names.includes('root');
}
const SWAP = { record: GATEWAY_RECORD, what: 'a gateway', looksLike: looksLikeGateway } as const;

/** The gateway zip is about 10 MB; these leave room for growth and refuse anything absurd. */
const MAX_DOWNLOAD_BYTES = 300_000_000;
const LIMITS = { maxBytes: 1_000_000_000, maxEntries: 20_000 };

/** What a shell must let the install do to the gateway around the swap. */
export interface GatewayControl {
  /** Whether the gateway of this folder is running now. */
  isRunning(): Promise<boolean>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Where an install is: downloading (bytes), or unpacking (files). `total` null = unknown. */
export interface InstallProgress {
  readonly phase: 'download' | 'unpack';
  readonly received: number;
  readonly total: number | null;
}

export interface GatewayInstallOptions {
  /** The gateway folder to create or update. */
  readonly folder: string;
  /** An https:// URL or a local zip file (default IBKR's URL). */
  readonly source?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: InstallProgress) => void) | undefined;
  /** A server silent this long fails the download (default 30 s). */
  readonly stallMs?: number | undefined;
  /** Proxy variables (default process.env). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Stop/start around the swap; absent: nothing runs from this folder. */
  readonly gateway?: GatewayControl | undefined;
}

export interface GatewayInstalled {
  /** installed: there was none; updated: replaced; unchanged: the source did not change. */
  readonly outcome: 'installed' | 'updated' | 'unchanged';
  readonly folder: string;
  readonly source: string;
  /** Bytes downloaded or read (null when unchanged). */
  readonly bytes: number | null;
  /** The user's files carried over from the previous folder (e.g. root/conf.yaml). */
  readonly kept: readonly string[];
  /** Stopped for the swap and started again. */
  readonly restarted: boolean;
  /** The update is in place but the gateway did not start again: why. */
  readonly restartFailed: string | null;
}

const RecordSchema = z.looseObject({
  source: z.string(),
  etag: z.string().optional(),
  lastModified: z.string().optional(),
  /** The files the install put there (relative, forward slashes); absent in records of older versions. */
  files: z.array(z.string()).optional(),
});

async function readRecord(folder: string): Promise<z.infer<typeof RecordSchema> | null> {
  try {
    const parsed = RecordSchema.safeParse(JSON.parse(await readFile(path.join(folder, DOWNLOAD_RECORD), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function isUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

/** The gateway's files inside a zip: at its top, or under a single top folder. Throws 'layout'. */
export function gatewayPrefix(names: readonly string[], what: string): string {
  const tops = new Set(names.map((n) => n.split('/')[0] ?? ''));
  const only = tops.size === 1 ? [...tops][0] : undefined;
  const prefix = names.includes('bin/run.sh') || only === undefined ? '' : `${only}/`;
  const has = (test: (rest: string) => boolean): boolean => names.some((n) => n.startsWith(prefix) && test(n.slice(prefix.length)));
  const missing = [
    ['bin/run.sh', (r: string) => r === 'bin/run.sh'],
    ['bin/run.bat', (r: string) => r === 'bin/run.bat'],
    ['root/conf.yaml', (r: string) => r === 'root/conf.yaml'],
    ['dist/*.jar', (r: string) => /^dist\/[^/]+\.jar$/.test(r)],
    ['build/lib/runtime/', (r: string) => r.startsWith('build/lib/runtime/') && r !== 'build/lib/runtime/'],
  ] as const;
  const absent = missing.filter(([, test]) => !has(test)).map(([name]) => name);
  if (absent.length) {
    throw new InstallError('layout', `${what} is not IBKR's Client Portal Gateway (no ${absent.join(', ')} in it): check the address or the file.`);
  }
  return prefix;
}

/**
 * What of the previous folder goes into the new one: every root/*.yaml (the user's conf.yaml, the
 * app's own conf), logs/, and every file the previous install did not put there, as its record (read
 * now, from the folder being replaced) lists: the user's own files and the gateway's logs come along
 * byte for byte, so that replacing the folder deletes only what the app made. A record of an older
 * version lists nothing: then the app knows only what the new archive holds (`incoming`), and every
 * other file comes along. One whose place the new version takes is kept beside it as `<name>.yours`,
 * unless it is byte-identical to what takes its place (nothing of it is lost).
 */
async function keepUserFiles(previous: string, next: string, incoming: readonly string[]): Promise<string[]> {
  const kept: string[] = [];
  let names: string[] = [];
  try {
    names = await readdir(path.join(previous, 'root'));
  } catch {
    // no root/: nothing to carry over from there
  }
  for (const name of names.filter((n) => /\.ya?ml$/i.test(n))) {
    await mkdir(path.join(next, 'root'), { recursive: true });
    await copyFile(path.join(previous, 'root', name), path.join(next, 'root', name));
    kept.push(`root/${name}`);
  }
  const installed = new Set((await readRecord(previous))?.files ?? incoming);
  const already = new Set(kept);
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await readdir(path.join(previous, relative), { withFileTypes: true })) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await mkdir(path.join(next, name), { recursive: true });
        await walk(name);
        continue;
      }
      if (name === DOWNLOAD_RECORD || already.has(name) || (installed.has(name) && !name.startsWith('logs/'))) continue;
      const taken = await stat(path.join(next, name)).then(
        () => true,
        () => false,
      );
      if (taken && (await sameBytes(path.join(previous, name), path.join(next, name)))) continue;
      const to = taken ? `${name}.yours` : name;
      await cp(path.join(previous, name), path.join(next, to), { preserveTimestamps: true, verbatimSymlinks: true, errorOnExist: true, force: false });
      kept.push(to);
    }
  };
  await walk('');
  return kept;
}

/** Whether two files hold the same bytes (false when either cannot be read as a file). */
async function sameBytes(a: string, b: string): Promise<boolean> {
  try {
    const [x, y] = await Promise.all([lstat(a), lstat(b)]);
    if (!x.isFile() || !y.isFile() || x.size !== y.size) return false;
    return (await readFile(a)).equals(await readFile(b));
  } catch {
    return false;
  }
}

function cancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InstallError('cancelled', 'The gateway install was cancelled; nothing was changed.');
}

/** Validators of a local file: its size and modification time stand in for an ETag. */
async function fileValidators(file: string): Promise<Validators & { bytes: number }> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new InstallError('source', `no such file: ${file}: give the path of clientportal.gw.zip, or an https:// address.`);
  }
  if (!info.isFile()) throw new InstallError('source', `${file} is not a file: give the path of clientportal.gw.zip.`);
  return { etag: `${info.size}-${Math.round(info.mtimeMs)}`, lastModified: info.mtime.toUTCString(), bytes: info.size };
}

/**
 * Install or update the gateway in `options.folder`. Resolves with what happened; rejects with
 * InstallError (the previous folder untouched) when the source cannot be had or is not the gateway.
 */
export async function installGateway(options: GatewayInstallOptions): Promise<GatewayInstalled> {
  const folder = path.resolve(options.folder);
  const source = options.source ?? IBKR_GATEWAY_ZIP_URL;
  const { signal } = options;
  try {
    // One install at a time into one folder: two would each replace the other's and keep its files as the user's.
    return await withInstallLock(folder, () => installGatewayIn(folder, source, options));
  } catch (error) {
    if (signal?.aborted) throw new InstallError('cancelled', 'The gateway install was cancelled; nothing was changed.');
    throw asInstallError(error, 'the gateway');
  }
}

async function installGatewayIn(folder: string, source: string, options: GatewayInstallOptions): Promise<GatewayInstalled> {
  const { signal } = options;
  await cleanStaleStaging(folder);
  // Refused before anything is downloaded: a folder of the user's is never replaced (checked again at the swap).
  const existing = (await mayReplace(folder, SWAP.record, SWAP.what, SWAP.looksLike)).kind === 'ours';
  const record = existing ? await readRecord(folder) : null;
  const previousValidators = record && record.source === source ? { etag: record.etag, lastModified: record.lastModified } : undefined;
  const unchanged = (): GatewayInstalled => ({ outcome: 'unchanged', folder, source, bytes: null, kept: [], restarted: false, restartFailed: null });

  const staging = await makeStaging(folder);
  try {
    let zipFile: string;
    let bytes: number;
    let validators: Validators;
    const what = isUrl(source) ? `the file at ${source}` : path.basename(source);
    if (isUrl(source)) {
      zipFile = path.join(staging, 'gateway.zip');
      const got = await download({
        url: source,
        file: zipFile,
        signal,
        onProgress: (p) => options.onProgress?.({ phase: 'download', ...p }),
        ifChanged: previousValidators,
        stallMs: options.stallMs,
        maxBytes: MAX_DOWNLOAD_BYTES,
        what: "the gateway's zip",
        env: options.env,
      });
      if (!got.changed) return unchanged();
      // A server that ignores If-None-Match still lets us see the file is the same.
      if (previousValidators?.etag && got.validators.etag === previousValidators.etag) return unchanged();
      bytes = got.bytes;
      validators = got.validators;
    } else {
      zipFile = path.resolve(source);
      const local = await fileValidators(zipFile);
      if (previousValidators && previousValidators.etag === local.etag) return unchanged();
      bytes = local.bytes;
      validators = { etag: local.etag, lastModified: local.lastModified };
    }
    cancelled(signal);

    const listing = await listZip(zipFile, what, LIMITS);
    const prefix = gatewayPrefix(listing.names, what);
    const ready = path.join(staging, 'gateway');
    await mkdir(ready);
    options.onProgress?.({ phase: 'unpack', received: 0, total: listing.names.length });
    await unzipInto(zipFile, ready, { prefix, what, signal });
    cancelled(signal);
    const files = listing.names.filter((n) => n.startsWith(prefix) && !n.endsWith('/')).map((n) => n.slice(prefix.length));
    const kept = existing ? await keepUserFiles(folder, ready, files) : [];
    await writeFile(path.join(ready, DOWNLOAD_RECORD), `${JSON.stringify({ source, ...validators, installedAt: new Date().toISOString(), files }, null, 2)}\n`);

    // Only now, with the new folder complete, does the running gateway have to go (briefly).
    const wasRunning = existing && options.gateway ? await options.gateway.isRunning() : false;
    if (wasRunning) {
      try {
        await options.gateway!.stop();
      } catch (error) {
        throw new InstallError('gateway', `The gateway could not be stopped for the update (${(error as Error).message}); nothing was changed.`);
      }
    }
    try {
      await swapInto(staging, ready, folder, SWAP);
    } catch (error) {
      // The previous folder is back in place: so is the gateway that ran from it.
      if (wasRunning) await options.gateway!.start().catch(() => undefined);
      throw error;
    }
    let restartFailed: string | null = null;
    if (wasRunning) {
      try {
        await options.gateway!.start();
      } catch (error) {
        restartFailed = (error as Error).message;
      }
    }
    return { outcome: existing ? 'updated' : 'installed', folder, source, bytes, kept, restarted: wasRunning && restartFailed === null, restartFailed };
  } finally {
    await removeStaging(staging);
  }
}
