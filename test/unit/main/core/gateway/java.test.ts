/**
 * Finding Java as users have it installed, on a pretend machine per OS: which places are looked at
 * and in which order, `java -version` as the judge (runs, answers in time, 8 or newer), the one-line
 * message when nothing fits, and the child's environment.
 */
import { describe, expect, it } from 'vitest';
import { GatewayStartError } from '../../../../../src/main/core/errors.js';
import { envWithJava, findJava, javaCandidates, parseJavaVersion, type JavaSystem } from '../../../../../src/main/core/gateway/java.js';

/** What a java prints for `-version`, or how it fails. */
type Behaviour = string | 'hangs' | 'crashes';

function machine(platform: NodeJS.Platform, javas: Record<string, Behaviour>, more: Partial<JavaSystem> & { dirs?: Record<string, string[]>; programs?: Record<string, string> } = {}) {
  const ran: string[] = [];
  const sys: JavaSystem = {
    platform,
    env: {},
    home: platform === 'win32' ? 'C:\\Users\\u' : '/home/u',
    appDataDir: null,
    isExecutable: (file) => file in javas,
    listDir: (dir) => more.dirs?.[dir] ?? [],
    realpath: (file) => file,
    run: (command, args) => {
      ran.push([command, ...args].join(' '));
      const program = more.programs?.[[command, ...args].join(' ')];
      if (program !== undefined) return Promise.resolve({ ok: true, stdout: program, stderr: '', timedOut: false });
      const behaviour = javas[command];
      if (behaviour === undefined || behaviour === 'crashes') return Promise.resolve({ ok: false, stdout: '', stderr: 'Error: could not open jvm.cfg', timedOut: false });
      if (behaviour === 'hangs') return Promise.resolve({ ok: false, stdout: '', stderr: '', timedOut: true });
      return Promise.resolve({ ok: true, stdout: '', stderr: behaviour, timedOut: false });
    },
    ...more,
  };
  return { sys, ran };
}

const J17 = 'openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6)\n';
const J8 = 'java version "1.8.0_381"\nJava(TM) SE Runtime Environment (build 1.8.0_381-b09)\n';
const J7 = 'java version "1.7.0_80"\n';

describe('parseJavaVersion', () => {
  it.each([
    ['java version "1.8.0_381"', 8, '1.8.0_381'],
    ['openjdk version "17.0.15" 2025-04-15', 17, '17.0.15'],
    ['openjdk version "21" 2023-09-19', 21, '21'],
    ['java version "9"', 9, '9'],
    ['java version "1.7.0_80"', 7, '1.7.0_80'],
    ['openjdk version "11.0.2-ea" 2019-01-15', 11, '11.0.2-ea'],
  ])('%s → %i', (text, major, version) => {
    expect(parseJavaVersion(text)).toEqual({ major, version });
  });

  it('no version in the text → null', () => {
    expect(parseJavaVersion('Error: could not find java.dll')).toBeNull();
  });
});

describe('where Java is looked for', () => {
  it('Linux: JAVA_HOME, PATH, SDKMAN, then /usr/lib/jvm newest first, then a downloaded one', async () => {
    const all = {
      '/opt/jdk/bin/java': J17,
      '/usr/bin/java': J17,
      '/home/u/.sdkman/candidates/java/current/bin/java': J17,
      '/usr/lib/jvm/java-17-openjdk-amd64/bin/java': J17,
      '/usr/lib/jvm/java-8-openjdk-amd64/bin/java': J8,
      '/cfg/java/temurin-17/bin/java': J17,
    };
    const { sys } = machine('linux', all, {
      env: { JAVA_HOME: '/opt/jdk', PATH: '/bin:/usr/bin' },
      appDataDir: '/cfg',
      dirs: { '/usr/lib/jvm': ['java-8-openjdk-amd64', 'java-17-openjdk-amd64'], '/cfg/java': ['temurin-17'] },
    });
    expect((await javaCandidates(sys)).map((c) => `${c.from} ${c.java}`)).toEqual([
      'JAVA_HOME /opt/jdk/bin/java',
      'PATH /usr/bin/java',
      'SDKMAN /home/u/.sdkman/candidates/java/current/bin/java',
      '/usr/lib/jvm /usr/lib/jvm/java-17-openjdk-amd64/bin/java',
      '/usr/lib/jvm /usr/lib/jvm/java-8-openjdk-amd64/bin/java',
      'downloaded /cfg/java/temurin-17/bin/java',
    ]);
  });

  it('macOS from Finder (no PATH, no JAVA_HOME): /usr/libexec/java_home, then Homebrew', async () => {
    const home = '/Library/Java/JavaVirtualMachines/temurin-17.jdk/Contents/Home';
    const { sys } = machine('darwin', { [`${home}/bin/java`]: J17, '/opt/homebrew/opt/openjdk@17/bin/java': J17 }, { programs: { '/usr/libexec/java_home': `${home}\n` } });
    expect((await javaCandidates(sys)).map((c) => c.from)).toEqual(['java_home', 'Homebrew']);
    await expect(findJava(sys)).resolves.toMatchObject({ java: `${home}/bin/java`, from: 'java_home', home, major: 17 });
  });

  it('macOS: Homebrew openjdk when java_home knows none', async () => {
    const { sys } = machine('darwin', { '/usr/local/opt/openjdk/bin/java': J17 });
    await expect(findJava(sys)).resolves.toMatchObject({ java: '/usr/local/opt/openjdk/bin/java', from: 'Homebrew', home: '/usr/local/opt/openjdk' });
  });

  it('Windows: Path, the registry, then the vendors\' folders under Program Files', async () => {
    const reg = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\JavaSoft\\JDK\\17\r\n    JavaHome    REG_SZ    C:\\Program Files\\Java\\jdk-17\r\n';
    const { sys, ran } = machine(
      'win32',
      {
        'C:\\tools\\java.exe': 'crashes',
        'C:\\Program Files\\Java\\jdk-17\\bin\\java.exe': J17,
        'C:\\Program Files\\Eclipse Adoptium\\jdk-21.0.2.13-hotspot\\bin\\java.exe': 'openjdk version "21.0.2" 2024-01-16',
        'C:\\Program Files\\Zulu\\zulu-8\\bin\\java.exe': J8,
      },
      {
        env: { Path: 'C:\\Windows;C:\\tools', ProgramFiles: 'C:\\Program Files' },
        programs: { 'reg query HKLM\\SOFTWARE\\JavaSoft\\JDK /s /v JavaHome': reg },
        dirs: { 'C:\\Program Files\\Eclipse Adoptium': ['jdk-21.0.2.13-hotspot'], 'C:\\Program Files\\Zulu': ['zulu-8'], 'C:\\Program Files\\Java': ['jdk-17'] },
      },
    );
    expect((await javaCandidates(sys)).map((c) => `${c.from} ${c.java}`)).toEqual([
      'PATH C:\\tools\\java.exe',
      'registry C:\\Program Files\\Java\\jdk-17\\bin\\java.exe',
      'Program Files C:\\Program Files\\Eclipse Adoptium\\jdk-21.0.2.13-hotspot\\bin\\java.exe',
      'Program Files C:\\Program Files\\Zulu\\zulu-8\\bin\\java.exe',
    ]);
    // The one on Path does not run: the registry's is used.
    await expect(findJava(sys)).resolves.toMatchObject({ java: 'C:\\Program Files\\Java\\jdk-17\\bin\\java.exe', home: 'C:\\Program Files\\Java\\jdk-17', major: 17 });
    expect(ran).toContain('C:\\tools\\java.exe -version');
  });
});

describe('findJava: `java -version` decides', () => {
  it('skips one that is too old, one that hangs, one that crashes; the first good one wins', async () => {
    const { sys } = machine('linux', { '/a/bin/java': J7, '/b/bin/java': 'hangs', '/c/bin/java': 'crashes', '/d/bin/java': J8, '/e/bin/java': J17 }, { env: { PATH: '/a/bin:/b/bin:/c/bin:/d/bin:/e/bin' } });
    await expect(findJava(sys)).resolves.toMatchObject({ java: '/d/bin/java', major: 8, version: '1.8.0_381', home: '/d' });
  });

  it('none fits: one line naming what was tried and why, and what to do on this OS', async () => {
    const { sys } = machine('linux', { '/a/bin/java': J7, '/b/bin/java': 'hangs' }, { env: { PATH: '/a/bin:/b/bin' } });
    const error = (await findJava(sys, { timeoutMs: 2000 }).catch((e: unknown) => e)) as GatewayStartError;
    expect(error).toBeInstanceOf(GatewayStartError);
    expect(error.kind).toBe('no-java');
    expect(error.message).toBe(
      'Java 8 or newer is needed to run the gateway (tried /a/bin/java (Java 1.7.0_80, too old), /b/bin/java (no answer within 2 s)): install it (Debian/Ubuntu: `sudo apt install default-jre-headless`; others: your distribution\'s OpenJDK package), or set JAVA_HOME, or run `ibkr-tray java install`.',
    );
  });

  it.each([
    ['darwin', /brew install openjdk@17/],
    ['win32', /https:\/\/adoptium\.net\/temurin\/releases\//],
  ] as const)('no Java at all on %s: says where it looked and what to install', async (platform, hint) => {
    const { sys } = machine(platform, {});
    const error = (await findJava(sys).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^Java 8 or newer is needed to run the gateway \(none in JAVA_HOME, PATH or the usual install folders\): /);
    expect(error.message).toMatch(hint);
    expect(error.message).not.toContain('\n');
  });

  it('JAVA_HOME is resolved through symlinks to the real runtime', async () => {
    const { sys } = machine('linux', { '/usr/bin/java': J17 }, { env: { PATH: '/usr/bin' }, realpath: (f) => (f === '/usr/bin/java' ? '/usr/lib/jvm/java-17/bin/java' : f) });
    await expect(findJava(sys)).resolves.toMatchObject({ java: '/usr/bin/java', home: '/usr/lib/jvm/java-17' });
  });
});

describe('envWithJava', () => {
  it('puts the found Java first on PATH and sets JAVA_HOME, whatever the app had', () => {
    const env = envWithJava({ PATH: '/usr/bin', JAVA_HOME: '/old' }, { java: '/opt/jdk/bin/java', home: '/opt/jdk' }, 'linux');
    expect(env).toMatchObject({ PATH: '/opt/jdk/bin:/usr/bin', JAVA_HOME: '/opt/jdk' });
  });

  it('an empty PATH becomes just the Java folder', () => {
    expect(envWithJava({}, { java: '/opt/jdk/bin/java', home: '/opt/jdk' }, 'linux')['PATH']).toBe('/opt/jdk/bin');
  });

  it("Windows: keeps the variable's name Path and uses ;", () => {
    const env = envWithJava({ Path: 'C:\\Windows' }, { java: 'C:\\jdk\\bin\\java.exe', home: 'C:\\jdk' }, 'win32');
    expect(env['Path']).toBe('C:\\jdk\\bin;C:\\Windows');
    expect(env['PATH']).toBeUndefined();
  });
});
