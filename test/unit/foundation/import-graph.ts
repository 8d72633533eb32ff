/**
 * The import graph of a source tree, read with TypeScript's own parser, and its cycles. Used by the
 * guard that keeps src/ one-way. Type-only imports count too: a type cycle still ties two modules
 * together (neither can be understood, moved or tested alone), which is what the guard is about.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const SOURCE = /\.(?:c|m)?tsx?$/;

/** Every TypeScript file under `root` (recursively), absolute paths, sorted. */
export function sourceFiles(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) found.push(full);
    }
  };
  walk(root);
  return found.sort();
}

/** The module specifiers a file imports or re-exports (static and `import()` with a string literal). */
export function importsOf(file: string, text = fs.readFileSync(file, 'utf8')): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specifiers.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) specifiers.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specifiers.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers;
}

/** A relative specifier → the file it names among `files` (`./x.js` is `./x.ts` under NodeNext), or null. */
export function resolveRelative(from: string, specifier: string, files: ReadonlySet<string>): string | null {
  if (!specifier.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), specifier);
  const stem = base.replace(/\.(?:c|m)?js$/, '');
  for (const candidate of [base, `${stem}.ts`, `${stem}.cts`, `${stem}.mts`, `${stem}.tsx`, path.join(base, 'index.ts')]) {
    if (files.has(candidate)) return candidate;
  }
  return null;
}

/** file → the files of the tree it imports (relative imports only: packages cannot import back). */
export function importGraph(root: string): Map<string, string[]> {
  const files = sourceFiles(root);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = importsOf(file)
      .map((specifier) => resolveRelative(file, specifier, known))
      .filter((target): target is string => target !== null);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** Files that import each other, directly or through others, and one cycle through them. */
export interface ImportTangle {
  /** Every file of the strongly connected component, sorted. */
  readonly members: readonly string[];
  /** One concrete path `a → b → … → a` inside it (the shortest from its first member). */
  readonly cycle: readonly string[];
}

/**
 * The import cycles of `graph`, one per strongly connected component (Tarjan's algorithm). Empty
 * when the graph is one-way.
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): ImportTangle[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];

  // Iterative, so a deep tree cannot overflow the call stack.
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; next: number }[] = [{ node: start, next: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const target = edges[frame.next++]!;
        if (!index.has(target)) {
          index.set(target, counter);
          low.set(target, counter++);
          stack.push(target);
          onStack.add(target);
          work.push({ node: target, next: 0 });
        } else if (onStack.has(target)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(target)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = component.length === 1 && (graph.get(frame.node) ?? []).includes(frame.node);
        if (component.length > 1 || selfLoop) components.push(component);
      }
    }
  }
  return components.map((component) => ({ members: [...component].sort(), cycle: cycleWithin(graph, new Set(component)) }));
}

/** One concrete cycle inside a strongly connected component: breadth-first from its first member back to it. */
function cycleWithin(graph: ReadonlyMap<string, readonly string[]>, members: ReadonlySet<string>): string[] {
  const start = [...members].sort()[0]!;
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const target of graph.get(node) ?? []) {
      if (!members.has(target)) continue;
      if (target === start) {
        const cycle = [start];
        for (let at: string | undefined = node; at !== undefined && at !== start; at = cameFrom.get(at)) cycle.splice(1, 0, at);
        return [...cycle, start];
      }
      if (!cameFrom.has(target)) {
        cameFrom.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}

/** A tangle as one line of paths relative to `root`: the cycle, then every file caught in it. */
export function describeTangle(tangle: ImportTangle, root: string): string {
  const name = (file: string): string => path.relative(root, file).split(path.sep).join('/');
  const cycle = tangle.cycle.map(name).join(' → ');
  return tangle.members.length + 1 > tangle.cycle.length ? `${cycle} (tangled: ${tangle.members.map(name).join(', ')})` : cycle;
}
