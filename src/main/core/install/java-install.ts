/**
 * Downloading a Temurin JRE for this OS and processor from Adoptium's public API into the app's data
 * folder (`<settings folder>/java/<release>`, where java.ts finds it): the API names the archive and
 * its SHA-256, the archive is checked against it, unpacked next to its place (tar.gz on Linux and
 * macOS, zip on Windows), its `java -version` must run, and only then is it renamed into place.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { x as untar } from 'tar';
import { z } from 'zod';
import { DOWNLOADED_JAVA_DIR, parseJavaVersion, realJavaSystem, type JavaSystem } from '../gateway/java.js';
import { download } from './download.js';
import type { InstallProgress } from './gateway-install.js';
import { asInstallError, InstallError } from './install-error.js';
import { JAVA_RECORD } from './ownership.js';
import { withInstallLock } from './install-lock.js';
import { cleanStaleStaging, makeStaging, removeStaging, swapInto } from './staging.js';
import { listZip, unzipInto } from './zip.js';

export { ADOPTIUM_API } from './places.js';
import { ADOPTIUM_API } from './places.js';

/** The Java the gateway is known to run on (gateway-facts.md: observed with Java 17). */
export const JAVA_FEATURE_VERSION = 17;

const MAX_JRE_BYTES = 400_000_000;

export interface JavaInstallOptions {
  /** The settings folder: the JRE goes into `<appDataDir>/java/`. */
  readonly appDataDir: string;
  /** Default ADOPTIUM_API. */
  readonly apiBase?: string | undefined;
  readonly platform?: NodeJS.Platform | undefined;
  readonly arch?: string | undefined;
  /** Linux with musl (Alpine) needs Adoptium's alpine-linux builds. */
  readonly musl?: boolean | undefined;
  readonly featureVersion?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((progress: InstallProgress) => void) | undefined;
  readonly stallMs?: number | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Runs `java -version` (default this machine). */
  readonly system?: Pick<JavaSystem, 'run'> | undefined;
}

export interface JavaInstalled {
  /** installed now, or this release was already there. */
  readonly outcome: 'installed' | 'unchanged';
  /** The runtime's folder (JAVA_HOME). */
  readonly home: string;
  readonly java: string;
  /** Adoptium's release name, e.g. jdk-17.0.15+6. */
  readonly release: string;
  /** As `java -version` printed it. */
  readonly version: string;
  readonly bytes: number | null;
}

/** The part of an Adoptium `/v3/assets/latest` answer we use (unknown fields kept). */
const AssetsSchema = z.array(
  z.looseObject({
    release_name: z.string().min(1),
    binary: z.looseObject({
      image_type: z.string().optional(),
      package: z.looseObject({
        name: z.string().min(1),
        link: z.url(),
        checksum: z.string().regex(/^[0-9a-fA-F]{64}$/),
        size: z.number().int().nonnegative().optional(),
      }),
    }),
  }),
);

/** Adoptium's names for this OS and processor, or InstallError 'unsupported'. */
export function adoptiumTarget(platform: NodeJS.Platform, arch: string, musl = false): { os: string; architecture: string; archive: 'tar.gz' | 'zip' } {
  const os = platform === 'darwin' ? 'mac' : platform === 'win32' ? 'windows' : platform === 'linux' ? (musl ? 'alpine-linux' : 'linux') : platform === 'aix' ? 'aix' : null;
  const architecture = ({ x64: 'x64', arm64: 'aarch64', arm: 'arm', ia32: 'x32', ppc64: platform === 'linux' ? 'ppc64le' : 'ppc64', s390x: 's390x' } as Record<string, string>)[arch] ?? null;
  if (!os || !architecture) {
    throw new InstallError('unsupported', `Adoptium has no Java runtime for ${platform} on ${arch}: install Java 8 or newer with your system's packages, or set JAVA_HOME.`);
  }
  return { os, architecture, archive: platform === 'win32' ? 'zip' : 'tar.gz' };
}

/** Whether this Linux runs on musl (Alpine): Node's report names no glibc there. */
export function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return process.platform === 'linux' && !report?.header?.glibcVersionRuntime;
}

function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** The java executable inside an unpacked runtime folder (macOS bundles keep it in Contents/Home). */
async function javaIn(folder: string, platform: NodeJS.Platform): Promise<{ home: string; java: string } | null> {
  const exe = platform === 'win32' ? 'java.exe' : 'java';
  for (const home of [folder, path.join(folder, 'Contents', 'Home')]) {
    const java = path.join(home, 'bin', exe);
    if (await exists(java)) return { home, java };
  }
  return null;
}

async function checkJavaRuns(java: string, system: Pick<JavaSystem, 'run'>): Promise<string> {
  const answer = await system.run(java, ['-version'], 20_000);
  const parsed = parseJavaVersion(`${answer.stderr}\n${answer.stdout}`);
  if (!answer.ok || !parsed) {
    throw new InstallError('layout', `The downloaded Java does not run on this machine (${answer.timedOut ? 'no answer' : (answer.stderr.trim().split('\n')[0] ?? 'no output')}); nothing was installed.`);
  }
  return parsed.version;
}

/** Download, check and unpack a Temurin JRE into `<appDataDir>/java/`. Rejects with InstallError. */
export async function installJava(options: JavaInstallOptions): Promise<JavaInstalled> {
  const platform = options.platform ?? process.platform;
  const target = adoptiumTarget(platform, options.arch ?? process.arch, options.musl ?? (platform === 'linux' && isMusl()));
  const system = options.system ?? realJavaSystem();
  const feature = options.featureVersion ?? JAVA_FEATURE_VERSION;
  const api = (options.apiBase ?? ADOPTIUM_API).replace(/\/+$/, '');
  const javaDir = path.join(options.appDataDir, DOWNLOADED_JAVA_DIR);

  // Staging folders are named after a placeholder target in the java folder (cleaned like any other).
  const placeholder = path.join(javaDir, 'runtime');
  // One install at a time into the java folder (the same lock as the gateway's, by the placeholder).
  return withInstallLock(placeholder, () => installJavaIn(options, { platform, target, system, feature, api, javaDir, placeholder }));
}

interface JavaPlan {
  readonly platform: NodeJS.Platform;
  readonly target: ReturnType<typeof adoptiumTarget>;
  readonly system: Pick<JavaSystem, 'run'>;
  readonly feature: number;
  readonly api: string;
  readonly javaDir: string;
  readonly placeholder: string;
}

async function installJavaIn(options: JavaInstallOptions, { platform, target, system, feature, api, javaDir, placeholder }: JavaPlan): Promise<JavaInstalled> {
  const common = { signal: options.signal, stallMs: options.stallMs, env: options.env };
  await cleanStaleStaging(placeholder);
  const staging = await makeStaging(placeholder);
  try {
    const query = new URLSearchParams({ architecture: target.architecture, image_type: 'jre', os: target.os, vendor: 'eclipse' });
    const answerFile = path.join(staging, 'assets.json');
    await download({ ...common, url: `${api}/v3/assets/latest/${feature}/hotspot?${query.toString()}`, file: answerFile, maxBytes: 5_000_000, what: "Adoptium's list of Java runtimes" });
    let assets;
    try {
      assets = AssetsSchema.parse(JSON.parse(await readFile(answerFile, 'utf8')));
    } catch {
      throw new InstallError('download', `Adoptium's answer about Java ${feature} was not the list expected: try again later, or install Java yourself.`);
    }
    const asset = assets.find((a) => a.binary.package.name.endsWith(`.${target.archive}`));
    if (!asset) throw new InstallError('unsupported', `Adoptium offers no Java ${feature} runtime for ${target.os} ${target.architecture}: install Java 8 or newer with your system's packages.`);

    const already = (await readdir(javaDir).catch(() => [] as string[])).find((name) => name.startsWith(asset.release_name));
    const found = already ? await javaIn(path.join(javaDir, already), platform) : null;
    if (found) {
      const version = await checkJavaRuns(found.java, system);
      return { outcome: 'unchanged', ...found, release: asset.release_name, version, bytes: null };
    }

    const pkg = asset.binary.package;
    const archive = path.join(staging, pkg.name.replace(/[^\w.+-]/g, '_'));
    const got = await download({
      ...common,
      url: pkg.link,
      file: archive,
      maxBytes: MAX_JRE_BYTES,
      what: `the Java runtime ${pkg.name}`,
      onProgress: (p) => options.onProgress?.({ phase: 'download', ...p }),
    });
    if (!got.changed) throw new InstallError('download', `The server did not send ${pkg.name}: try again.`);
    if (got.sha256 !== pkg.checksum.toLowerCase()) {
      throw new InstallError('checksum', `${pkg.name} does not match the SHA-256 Adoptium published (got ${got.sha256.slice(0, 12)}…, expected ${pkg.checksum.slice(0, 12).toLowerCase()}…): it was not installed. Try again; if it persists, your network alters downloads.`);
    }
    if (pkg.size !== undefined && got.bytes !== pkg.size) throw new InstallError('damaged', `${pkg.name} has ${got.bytes} bytes, not the ${pkg.size} Adoptium published: try again.`);

    const unpacked = path.join(staging, 'unpacked');
    await mkdir(unpacked);
    options.onProgress?.({ phase: 'unpack', received: 0, total: null });
    if (target.archive === 'zip') {
      await listZip(archive, pkg.name, { maxBytes: 1_000_000_000, maxEntries: 20_000 });
      await unzipInto(archive, unpacked, { prefix: '', what: pkg.name, signal: options.signal });
    } else {
      try {
        // strict: an entry tar would refuse (a "../" path, an absolute link) fails the whole install.
        await untar({ file: archive, cwd: unpacked, strict: true, preservePaths: false });
      } catch (error) {
        throw new InstallError('damaged', `${pkg.name} could not be unpacked (${(error as Error).message}): try again.`);
      }
    }
    const tops = await readdir(unpacked);
    const top = tops.length === 1 ? tops[0]! : null;
    const inside = top ? await javaIn(path.join(unpacked, top), platform) : null;
    if (!top || !inside) throw new InstallError('layout', `${pkg.name} holds no Java runtime (no bin/java in one top folder): nothing was installed.`);
    const version = await checkJavaRuns(inside.java, system);
    const home = path.join(javaDir, top);
    // The mark that the app installed this runtime: the only kind of folder a later install replaces.
    await writeFile(path.join(unpacked, top, JAVA_RECORD), `${JSON.stringify({ source: pkg.link, release: asset.release_name, installedAt: new Date().toISOString() }, null, 2)}\n`);
    await swapInto(staging, path.join(unpacked, top), home, { record: JAVA_RECORD, what: 'a Java runtime', looksLike: (names) => names.includes('bin') });
    const placed = (await javaIn(home, platform))!;
    return { outcome: 'installed', ...placed, release: asset.release_name, version, bytes: got.bytes };
  } catch (error) {
    if (options.signal?.aborted) throw new InstallError('cancelled', 'The Java download was cancelled; nothing was changed.');
    throw asInstallError(error, 'Java');
  } finally {
    await removeStaging(staging);
  }
}
