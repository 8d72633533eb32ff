/**
 * Finding the Java the gateway runs on, the way users have it installed. An app started from Finder,
 * at login or from a Windows shortcut gets no shell PATH or JAVA_HOME, so besides those we look where
 * installers put Java, and confirm each candidate with `java -version` (it must run, within a time
 * limit, and be 8 or newer) before the gateway is started with it (gateway-facts.md §1: run.sh calls
 * plain `java`, so the child gets the found Java first on PATH and as JAVA_HOME).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GatewayStartError } from '../errors.js';

/**
 * Where a Java runtime the app downloads itself goes: `<settings folder>/<DOWNLOADED_JAVA_DIR>/<any
 * name>/bin/java` (or a macOS bundle's `Contents/Home/bin/java`). Found like any installed Java.
 */
export const DOWNLOADED_JAVA_DIR = 'java';

/** The oldest Java the gateway runs on. */
export const MIN_JAVA_MAJOR = 8;

/** What looking for Java asks of the machine (injected: tests cover macOS and Windows on Linux). */
export interface JavaSystem {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  /** The user's home folder (SDKMAN lives there). */
  readonly home: string;
  /** The settings folder, where a downloaded Java lives under DOWNLOADED_JAVA_DIR; null: none. */
  readonly appDataDir: string | null;
  /** Is there an executable file here? */
  isExecutable(file: string): boolean;
  /** The names in a folder; [] when it cannot be read. */
  listDir(dir: string): string[];
  /** The file with symlinks resolved (e.g. /usr/bin/java → /usr/lib/jvm/…/bin/java). */
  realpath(file: string): string;
  /** Run a program; never rejects. `timedOut` when it was killed after `timeoutMs`. */
  run(command: string, args: readonly string[], timeoutMs: number): Promise<{ readonly ok: boolean; readonly stdout: string; readonly stderr: string; readonly timedOut: boolean }>;
}

/** Where a candidate came from, in the user's words. */
export type JavaSource = 'JAVA_HOME' | 'PATH' | 'java_home' | 'Homebrew' | 'SDKMAN' | '/usr/lib/jvm' | 'registry' | 'Program Files' | 'downloaded';

export interface JavaCandidate {
  readonly java: string;
  readonly from: JavaSource;
}

export interface JavaFound extends JavaCandidate {
  /** The runtime's home (JAVA_HOME for the child): the folder above bin/. */
  readonly home: string;
  /** The major version (8 for "1.8.0_381", 17 for "17.0.15"). */
  readonly major: number;
  /** The version as java printed it. */
  readonly version: string;
}

function executable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** This machine, for the settings folder `appDataDir`. */
export function realJavaSystem(options: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform; appDataDir?: string | null } = {}): JavaSystem {
  return {
    platform: options.platform ?? process.platform,
    env: options.env ?? process.env,
    home: os.homedir(),
    appDataDir: options.appDataDir ?? null,
    isExecutable: executable,
    listDir: (dir) => {
      try {
        return fs.readdirSync(dir);
      } catch {
        return [];
      }
    },
    realpath: (file) => {
      try {
        return fs.realpathSync(file);
      } catch {
        return file;
      }
    },
    run: (command, args, timeoutMs) =>
      new Promise((resolve) => {
        execFile(command, [...args], { timeout: timeoutMs, windowsHide: true, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
          const timedOut = !!error && (error as NodeJS.ErrnoException & { killed?: boolean }).killed === true;
          resolve({ ok: !error, stdout: String(stdout), stderr: String(stderr), timedOut });
        });
      }),
  };
}

/**
 * The version in `java -version`'s output (stderr): `java version "1.8.0_381"`, `openjdk version
 * "17.0.15" 2025-04-15`, `openjdk version "21" 2023-09-19`, `java version "9"`. Null when none.
 */
export function parseJavaVersion(output: string): { major: number; version: string } | null {
  const match = /\bversion "([^"]+)"/.exec(output);
  if (!match) return null;
  const version = match[1]!;
  const parts = /^(\d+)(?:\.(\d+))?/.exec(version);
  if (!parts) return null;
  // Up to Java 8 the scheme was 1.<major>; from 9 on the major comes first.
  const major = parts[1] === '1' && parts[2] !== undefined ? Number(parts[2]) : Number(parts[1]);
  return { major, version };
}

/** Homebrew's openjdk: the unversioned formula and the usual kegs, Apple silicon then Intel. */
const HOMEBREW = ['/opt/homebrew/opt', '/usr/local/opt'].flatMap((prefix) => ['openjdk', 'openjdk@21', 'openjdk@17', 'openjdk@11'].map((formula) => `${prefix}/${formula}/bin/java`));

/** Folders under Program Files where Windows installers put Java, one runtime per subfolder. */
const WINDOWS_VENDORS = ['Eclipse Adoptium', 'Eclipse Foundation', 'AdoptOpenJDK', 'Microsoft', 'Zulu', 'Azul', 'Java', 'Amazon Corretto'];

/** `reg query` keys of Oracle's and compatible installers (each version a subkey with JavaHome). */
const WINDOWS_REGISTRY = ['HKLM\\SOFTWARE\\JavaSoft\\JDK', 'HKLM\\SOFTWARE\\JavaSoft\\JRE', 'HKLM\\SOFTWARE\\JavaSoft\\Java Runtime Environment'];

/** Newest-looking first: jdk-21 before jdk-17 before jdk1.8 (numbers compared as numbers). */
function newestFirst(names: string[]): string[] {
  return [...names].sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
}

/** Every place Java may be, in order of preference: what the user chose first, then installers' folders. */
export async function javaCandidates(sys: JavaSystem): Promise<JavaCandidate[]> {
  const win = sys.platform === 'win32';
  const p = win ? path.win32 : path.posix;
  const exe = win ? 'java.exe' : 'java';
  const out: JavaCandidate[] = [];
  const add = (from: JavaSource, java: string): void => {
    out.push({ java, from });
  };
  const underEach = (from: JavaSource, dir: string, ...tail: string[][]): void => {
    for (const name of newestFirst(sys.listDir(dir))) for (const rest of tail) add(from, p.join(dir, name, ...rest, exe));
  };

  const javaHome = sys.env['JAVA_HOME'];
  if (javaHome) add('JAVA_HOME', p.join(javaHome, 'bin', exe));
  const pathVar = sys.env['PATH'] ?? sys.env['Path'] ?? '';
  for (const dir of pathVar.split(win ? ';' : ':')) if (dir) add('PATH', p.join(dir, exe));

  if (sys.platform === 'darwin') {
    const answer = await sys.run('/usr/libexec/java_home', [], 5000);
    const home = answer.ok ? answer.stdout.trim().split('\n')[0] : undefined;
    if (home) add('java_home', p.join(home, 'bin', exe));
    for (const java of HOMEBREW) add('Homebrew', java);
  }
  if (!win) add('SDKMAN', p.join(sys.home, '.sdkman', 'candidates', 'java', 'current', 'bin', exe));
  if (sys.platform === 'linux') underEach('/usr/lib/jvm', '/usr/lib/jvm', ['bin']);
  if (win) {
    for (const key of WINDOWS_REGISTRY) {
      const answer = await sys.run('reg', ['query', key, '/s', '/v', 'JavaHome'], 5000);
      for (const match of answer.stdout.matchAll(/^\s*JavaHome\s+REG_\w+\s+(.+?)\s*$/gm)) add('registry', p.join(match[1]!, 'bin', exe));
    }
    const programFiles = [...new Set([sys.env['ProgramW6432'], sys.env['ProgramFiles'], 'C:\\Program Files'].filter((d): d is string => !!d))];
    for (const root of programFiles) for (const vendor of WINDOWS_VENDORS) underEach('Program Files', p.join(root, vendor), ['bin']);
  }
  if (sys.appDataDir) underEach('downloaded', p.join(sys.appDataDir, DOWNLOADED_JAVA_DIR), ['bin'], ['Contents', 'Home', 'bin']);

  const seen = new Set<string>();
  return out.filter((c) => !seen.has(c.java) && seen.add(c.java) && sys.isExecutable(c.java));
}

/** What to do when no Java fits, for this OS, in one clause. */
export function installJavaHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'install it with `brew install openjdk@17` (or any JDK 8+), or set JAVA_HOME';
    case 'win32':
      return 'install a Java runtime from https://adoptium.net/temurin/releases/ (8 or newer), or set JAVA_HOME';
    default:
      return 'install it (Debian/Ubuntu: `sudo apt install default-jre-headless`; others: your distribution\'s OpenJDK package), or set JAVA_HOME';
  }
}

export interface FindJavaOptions {
  /** How long `java -version` may take (default 10 s): a hung java must not hang the start. */
  readonly timeoutMs?: number;
}

/**
 * The first candidate that runs and is Java 8 or newer. Rejects with GatewayStartError 'no-java'
 * saying what was tried and what to do on this OS.
 */
export async function findJava(sys: JavaSystem, { timeoutMs = 10_000 }: FindJavaOptions = {}): Promise<JavaFound> {
  const p = sys.platform === 'win32' ? path.win32 : path.posix;
  const tried: string[] = [];
  for (const candidate of await javaCandidates(sys)) {
    const answer = await sys.run(candidate.java, ['-version'], timeoutMs);
    const parsed = parseJavaVersion(`${answer.stderr}\n${answer.stdout}`);
    if (answer.timedOut) tried.push(`${candidate.java} (no answer within ${Math.round(timeoutMs / 1000)} s)`);
    else if (!parsed) tried.push(`${candidate.java} (${answer.ok ? 'no version in its answer' : 'does not run'})`);
    else if (parsed.major < MIN_JAVA_MAJOR) tried.push(`${candidate.java} (Java ${parsed.version}, too old)`);
    else {
      const home = p.dirname(p.dirname(sys.realpath(candidate.java)));
      return { ...candidate, home, ...parsed };
    }
  }
  throw new GatewayStartError('no-java', javaMissingReason(tried, sys.platform));
}

/** The one line a user reads when no Java fits: what was tried and what to do on this OS. */
export function javaMissingReason(tried: readonly string[], platform: NodeJS.Platform): string {
  const what = tried.length ? `tried ${tried.join(', ')}` : 'none in JAVA_HOME, PATH or the usual install folders';
  return `Java ${MIN_JAVA_MAJOR} or newer is needed to run the gateway (${what}): ${installJavaHint(platform)}, or run \`ibkr-tray java install\`.`;
}

/** The child's environment: the found Java first on PATH (run.sh calls plain `java`) and as JAVA_HOME. */
export function envWithJava(env: NodeJS.ProcessEnv, found: Pick<JavaFound, 'java' | 'home'>, platform: NodeJS.Platform): NodeJS.ProcessEnv {
  const p = platform === 'win32' ? path.win32 : path.posix;
  // Windows keeps the variable as "Path"; writing a second "PATH" beside it would be ambiguous.
  const key = platform === 'win32' && env['Path'] !== undefined && env['PATH'] === undefined ? 'Path' : 'PATH';
  const sep = platform === 'win32' ? ';' : ':';
  return { ...env, JAVA_HOME: found.home, [key]: [p.join(found.home, 'bin'), env[key]].filter(Boolean).join(sep) };
}
