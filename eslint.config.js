// Flat config. The rules that guard the architecture: Electron only at the edges (src/main/electron,
// src/preload), no process spawning or Node HTTP clients in code that also runs in the page.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noElectron = {
  paths: [{ name: 'electron', message: "Electron belongs in src/main/electron/ and src/preload/ only (design.md: Electron only at the edges)." }],
  patterns: [{ group: ['electron/*'], message: 'Electron belongs in src/main/electron/ and src/preload/ only.' }],
};
const pageOnly = {
  paths: [
    ...noElectron.paths,
    { name: 'child_process', message: 'src/shared and src/renderer run in the page too: no child_process.' },
    { name: 'node:child_process', message: 'src/shared and src/renderer run in the page too: no child_process.' },
    { name: 'axios', message: 'src/shared and src/renderer make no network calls of their own.' },
  ],
  patterns: noElectron.patterns,
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'release/**', 'node_modules/**', 'coverage/**', 'test-results/**', 'bench/results.json', 'test/sim/clientportal.gw/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', noElectron],
    },
  },
  {
    files: ['src/main/electron/**/*.ts', 'src/preload/**/*.cts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The Electron stand-in is typed against Electron's own definitions, but must never load the real
    // module: type imports only (its runtime 'electron' is the stand-in itself).
    files: ['test/electron/**/*.ts'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: 'electron', allowTypeImports: true, message: 'Tests never load the real electron: type imports only.' }] }],
    },
  },
  {
    files: ['test/electron/stand-in/page-runtime.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/preload/**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/shared/**/*.ts', 'src/renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', pageOnly] },
  },
);
