/**
 * The architecture guards of the foundation, proven by feeding them code that breaks the rules:
 * ESLint refuses `electron` outside the shell and preload (and child_process/axios in page code), and
 * TypeScript refuses DOM calls in src/shared in the Node program and Node calls in the DOM program.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');

describe('lint: Electron only at the edges', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
  };

  it.each([
    'src/main/core/probe.ts',
    'src/main/cli/probe.ts',
    'src/main/web/probe.ts',
    'src/shared/probe.ts',
    'src/renderer/probe.ts',
  ])('importing electron in %s fails', async (file) => {
    expect(await lint(file, "import { app } from 'electron';\nexport const x = app;\n")).toEqual([expect.stringMatching(/Electron belongs in src\/main\/electron/)]);
  });

  it.each(['src/main/electron/probe.ts'])('importing electron in %s is allowed', async (file) => {
    expect(await lint(file, "import { app } from 'electron';\nexport const x = app;\n")).toEqual([]);
  });

  it.each([
    ["import { spawn } from 'node:child_process';\nexport const x = spawn;\n", 'child_process'],
    ["import axios from 'axios';\nexport const x = axios;\n", 'network'],
  ])('page code may not import %#', async (code, why) => {
    for (const file of ['src/shared/probe.ts', 'src/renderer/probe.ts']) {
      expect(await lint(file, code), file).toEqual([expect.stringContaining(why)]);
    }
    expect(await lint('src/main/core/probe.ts', code)).toEqual([]);
  });
});

/** Type-check one extra file in src/shared within the program that tsconfig `config` describes. */
function diagnosticsFor(config: string, code: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, config), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!parsed) throw new Error(`cannot read ${config}`);
  const probe = path.join(ROOT, 'src/shared/__probe.ts');
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, lang, onError, create) =>
    path.resolve(file) === probe ? ts.createSourceFile(file, code, lang) : getSourceFile(file, lang, onError, create);
  const exists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === probe || exists(file);
  const program = ts.createProgram({ rootNames: [probe], options: { ...parsed.options, noEmit: true, composite: false, declaration: false, emitDeclarationOnly: false }, host });
  const source = program.getSourceFile(probe)!;
  return ts.getPreEmitDiagnostics(program, source).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('typecheck: src/shared is neither Node nor DOM', () => {
  it('a DOM call in src/shared fails the Node (main) program', () => {
    expect(diagnosticsFor('tsconfig.main.json', 'export const title = document.title;\n')).toEqual([expect.stringContaining("Cannot find name 'document'")]);
  });
  it('a Node call in src/shared fails the DOM (renderer) program', () => {
    expect(diagnosticsFor('tsconfig.renderer.json', 'export const pid = process.pid;\n')).toEqual([expect.stringContaining("Cannot find name 'process'")]);
  });
  it('plain code in src/shared passes both', () => {
    const code = "export const kinds: readonly string[] = ['ready'];\n";
    expect(diagnosticsFor('tsconfig.main.json', code)).toEqual([]);
    expect(diagnosticsFor('tsconfig.renderer.json', code)).toEqual([]);
  });
});
