import { describe, expect, it } from 'vitest';
import { envWithJava, findJava } from '../../../src/main/core/gateway/java.js';

const only = (...files: string[]) => (file: string) => files.includes(file);

describe('findJava', () => {
  it('prefers JAVA_HOME/bin/java', () => {
    const found = findJava({ env: { JAVA_HOME: '/opt/jdk', PATH: '/usr/bin' }, platform: 'linux', isExecutable: only('/opt/jdk/bin/java', '/usr/bin/java') });
    expect(found).toEqual({ java: '/opt/jdk/bin/java', from: 'JAVA_HOME' });
  });

  it('falls back to PATH when JAVA_HOME has no java', () => {
    const found = findJava({ env: { JAVA_HOME: '/nowhere', PATH: '/bin:/usr/bin' }, platform: 'linux', isExecutable: only('/usr/bin/java') });
    expect(found).toEqual({ java: '/usr/bin/java', from: 'PATH' });
  });

  it('uses java.exe, ; and Path on Windows', () => {
    const found = findJava({ env: { Path: 'C:\\Windows;C:\\jdk\\bin' }, platform: 'win32', isExecutable: only('C:\\jdk\\bin\\java.exe') });
    expect(found).toEqual({ java: 'C:\\jdk\\bin\\java.exe', from: 'PATH' });
  });

  it('is null when there is no Java anywhere', () => {
    expect(findJava({ env: { PATH: '/bin:/usr/bin' }, platform: 'linux', isExecutable: () => false })).toBeNull();
  });
});

describe('envWithJava', () => {
  it("puts JAVA_HOME's bin first on the child's PATH (run.sh calls plain `java`)", () => {
    const env = envWithJava({ PATH: '/usr/bin' }, { java: '/opt/jdk/bin/java', from: 'JAVA_HOME' }, 'linux');
    expect(env['PATH']).toBe('/opt/jdk/bin:/usr/bin');
  });

  it('leaves PATH alone when java is on it already', () => {
    expect(envWithJava({ PATH: '/usr/bin' }, { java: '/usr/bin/java', from: 'PATH' }, 'linux')['PATH']).toBe('/usr/bin');
  });
});
