/**
 * Follows every runtime import of the packaged app, from its entry files, inside an extracted
 * app.asar: static `import`/`export … from`, `import('literal')` and `require('literal')`, each
 * resolved by Node's own resolver (ESM or CommonJS, as the syntax says) and required to land on a
 * file inside the extracted folder. `electron` and Node's built-in modules are the runtime's, not the
 * archive's. An import that does not resolve is allowed only where the importing package declares it
 * optional (optionalDependencies, or an optional peer): those sit in try/catch (ws's bufferutil).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

/** How a specifier is resolved: `import` syntax uses Node's ESM resolver, `require()` the CommonJS one. */
export type ImportKind = 'import' | 'require';

/** One import of one file, as written. */
export interface ImportSite {
  readonly specifier: string;
  readonly kind: ImportKind;
}

/** An import the packaged app would fail on. Paths are relative to the extracted folder. */
export interface BrokenImport {
  readonly importer: string;
  readonly specifier: string;
  /** Where it resolved to, when it resolved to a missing file or outside the archive. */
  readonly target: string | null;
  readonly reason: 'not found' | 'outside the archive';
}

/** What the walk saw: every file it reached, what was broken, and optional imports left absent. */
export interface ImportWalk {
  readonly files: readonly string[];
  readonly broken: readonly BrokenImport[];
  readonly optionalAbsent: readonly string[];
}

/** Every literal import of a JavaScript file. Computed specifiers cannot be followed and are skipped. */
export function importsOf(source: string, fileName: string): ImportSite[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const sites: ImportSite[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      sites.push({ specifier: node.moduleSpecifier.text, kind: 'import' });
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const first = node.arguments[0];
      if (first && ts.isStringLiteralLike(first)) {
        if (node.expression.kind === ts.SyntaxKind.ImportKeyword) sites.push({ specifier: first.text, kind: 'import' });
        else if (ts.isIdentifier(node.expression) && node.expression.text === 'require') sites.push({ specifier: first.text, kind: 'require' });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return sites;
}

interface ResolveRequest {
  readonly parent: string;
  readonly specifier: string;
  readonly kind: ImportKind;
}
type ResolveAnswer = { readonly file: string } | { readonly error: string };

/**
 * Node resolves ESM specifiers relative to an arbitrary parent only with this flag (Node 20), so a
 * child Node does the resolving: one process per walk, answering one batch (a wave of the walk) per
 * line of JSON.
 */
const RESOLVER_SCRIPT = `
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
for await (const line of createInterface({ input: process.stdin })) {
  const answers = JSON.parse(line).map(({ parent, specifier, kind }) => {
    try {
      if (kind === 'require') return { file: createRequire(parent).resolve(specifier) };
      return { file: fileURLToPath(import.meta.resolve(specifier, pathToFileURL(parent).href)) };
    } catch (error) {
      return { error: String(error?.code ?? error) };
    }
  });
  process.stdout.write(JSON.stringify(answers) + '\\n');
}
`;

/** A batch is a few hundred lookups: well under a second, unless the machine is starved. */
const BATCH_TIMEOUT_MS = 30_000;

interface Resolver {
  resolve(requests: readonly ResolveRequest[]): Promise<ResolveAnswer[]>;
  close(): void;
}

function startResolver(): Resolver {
  const child = spawn(process.execPath, ['--experimental-import-meta-resolve', '--no-warnings', '--input-type=module', '-e', RESOLVER_SCRIPT], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let waiting: ((line: string | Error) => void) | null = null;
  let exited: Error | null = null;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const end = stdout.indexOf('\n');
    if (end < 0 || !waiting) return;
    const line = stdout.slice(0, end);
    stdout = stdout.slice(end + 1);
    waiting(line);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.on('exit', (code) => {
    exited = new Error(`the resolver exited (${code}): ${stderr}`);
    waiting?.(exited);
  });
  return {
    async resolve(requests) {
      if (requests.length === 0) return [];
      if (exited) throw exited;
      const line = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the resolver did not answer within ${BATCH_TIMEOUT_MS} ms`)), BATCH_TIMEOUT_MS);
        waiting = (answer) => {
          clearTimeout(timer);
          waiting = null;
          if (answer instanceof Error) reject(answer);
          else resolve(answer);
        };
        child.stdin.write(`${JSON.stringify(requests)}\n`);
      });
      const answers = JSON.parse(line) as ResolveAnswer[];
      if (answers.length !== requests.length) throw new Error(`the resolver answered ${answers.length} of ${requests.length} lookups`);
      return answers;
    },
    close() {
      child.stdin.end();
      child.kill();
    },
  };
}

/** `electron` (and its subpaths) and Node's built-ins come with the runtime. */
function isRuntimeModule(specifier: string): boolean {
  return specifier === 'electron' || specifier.startsWith('electron/') || isBuiltin(specifier);
}

/** The package a bare specifier names: `@scope/name` or `name`. */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function isBare(specifier: string): boolean {
  return !specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('file:');
}

/** The package.json of the package a file belongs to (nearest one up, not above root). */
function owningManifest(file: string, root: string): Record<string, unknown> | null {
  let dir = path.dirname(file);
  for (let depth = 0; depth < 64 && dir.startsWith(root); depth++) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
      return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
    }
    dir = path.dirname(dir);
  }
  return null;
}

/** Whether the importing package says it works without `name`. */
function declaresOptional(manifest: Record<string, unknown> | null, name: string): boolean {
  const optional = manifest?.['optionalDependencies'];
  const peerMeta = manifest?.['peerDependenciesMeta'];
  if (typeof optional === 'object' && optional !== null && name in optional) return true;
  if (typeof peerMeta !== 'object' || peerMeta === null) return false;
  const meta: unknown = (peerMeta as Record<string, unknown>)[name];
  return typeof meta === 'object' && meta !== null && (meta as Record<string, unknown>)['optional'] === true;
}

/** Files whose imports are followed; JSON and other data are only required to exist. */
const SCRIPT = /\.(c|m)?js$/;

/** At most this many files are read: the whole app is a few hundred. */
const FILE_BUDGET = 20_000;

/**
 * Walks the imports from `entries` (paths relative to `root`) and reports each one that would not
 * load from inside `root`.
 */
export async function walkImports(root: string, entries: readonly string[]): Promise<ImportWalk> {
  const resolver = startResolver();
  try {
    return await walk(path.resolve(root), entries, resolver);
  } finally {
    resolver.close();
  }
}

async function walk(base: string, entries: readonly string[], resolver: Resolver): Promise<ImportWalk> {
  const inside = (file: string): boolean => file.startsWith(base + path.sep);
  const relative = (file: string): string => path.relative(base, file).split(path.sep).join('/');
  const seen = new Set<string>();
  const broken: BrokenImport[] = [];
  const optionalAbsent = new Set<string>();
  let wave: string[] = [];
  for (const entry of entries) {
    const file = path.join(base, entry);
    if (!existsSync(file)) broken.push({ importer: '(entry)', specifier: entry, target: entry, reason: 'not found' });
    else if (!seen.has(file)) {
      seen.add(file);
      wave.push(file);
    }
  }
  while (wave.length > 0) {
    if (seen.size > FILE_BUDGET) throw new Error(`more than ${FILE_BUDGET} files reached: is the walk looping?`);
    const requests: ResolveRequest[] = [];
    for (const parent of wave) {
      if (!SCRIPT.test(parent)) continue;
      for (const site of importsOf(readFileSync(parent, 'utf8'), parent)) {
        if (!isRuntimeModule(site.specifier)) requests.push({ parent, specifier: site.specifier, kind: site.kind });
      }
    }
    const answers = await resolver.resolve(requests);
    const next: string[] = [];
    requests.forEach((request, index) => {
      const answer = answers[index];
      const importer = relative(request.parent);
      if (!answer || 'error' in answer) {
        const name = packageNameOf(request.specifier);
        if (isBare(request.specifier) && declaresOptional(owningManifest(request.parent, base), name)) optionalAbsent.add(name);
        else broken.push({ importer, specifier: request.specifier, target: null, reason: 'not found' });
        return;
      }
      const file = answer.file;
      if (!inside(file)) broken.push({ importer, specifier: request.specifier, target: file, reason: 'outside the archive' });
      else if (!existsSync(file) || !statSync(file).isFile()) broken.push({ importer, specifier: request.specifier, target: relative(file), reason: 'not found' });
      else if (!seen.has(file)) {
        seen.add(file);
        next.push(file);
      }
    });
    wave = next;
  }
  return { files: [...seen].map(relative).sort(), broken, optionalAbsent: [...optionalAbsent].sort() };
}
