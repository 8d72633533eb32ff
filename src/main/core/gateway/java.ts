/**
 * Is Java there for run.sh? It runs plain `java` (gateway-facts.md §1: without it,
 * "java: command not found"), so PATH counts, and JAVA_HOME when we put its bin/ on the child's PATH.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface JavaLookup {
  readonly env: NodeJS.ProcessEnv;
  readonly platform: NodeJS.Platform;
  /** Is there an executable file at this path? (Injected for tests.) */
  readonly isExecutable?: (file: string) => boolean;
}

export interface JavaFound {
  readonly java: string;
  readonly from: 'JAVA_HOME' | 'PATH';
}

function executable(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) return false;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where `java` is: JAVA_HOME/bin first (what the user chose), then PATH; null when neither has it. */
export function findJava({ env, platform, isExecutable = executable }: JavaLookup): JavaFound | null {
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const name = platform === 'win32' ? 'java.exe' : 'java';
  const home = env['JAVA_HOME'];
  if (home) {
    const java = pathApi.join(home, 'bin', name);
    if (isExecutable(java)) return { java, from: 'JAVA_HOME' };
  }
  const pathVar = env['PATH'] ?? env['Path'] ?? '';
  for (const dir of pathVar.split(platform === 'win32' ? ';' : ':')) {
    if (!dir) continue;
    const java = pathApi.join(dir, name);
    if (isExecutable(java)) return { java, from: 'PATH' };
  }
  return null;
}

/** The child's environment: JAVA_HOME's bin/ first on PATH, since run.sh calls plain `java`. */
export function envWithJava(env: NodeJS.ProcessEnv, found: JavaFound, platform: NodeJS.Platform): NodeJS.ProcessEnv {
  if (found.from !== 'JAVA_HOME') return { ...env };
  const pathApi = platform === 'win32' ? path.win32 : path.posix;
  const key = platform === 'win32' && env['Path'] !== undefined && env['PATH'] === undefined ? 'Path' : 'PATH';
  const sep = platform === 'win32' ? ';' : ':';
  return { ...env, [key]: [pathApi.dirname(found.java), env[key]].filter(Boolean).join(sep) };
}

export const JAVA_NOT_FOUND = 'Java not found: install Java 8+ or set JAVA_HOME';
