import { defineConfig } from 'vite';

/**
 * The `ibkr-tray` command as a bundle in out/main/command/ (what bin/ibkr-tray.js runs), built from
 * the same sources as the tray app's engine by `npm run build`. A Node process pays per module file it loads
 * (zod, axios and their dependencies are hundreds of small files): one file for the command line,
 * plus one chunk per lazily imported command and per heavy package, starts in about the time of
 * Node itself. Packages go in the bundle too, so the command does not read node_modules at run time.
 *
 * Some packages keep chunks named after them: a command that does not import one (a one-shot
 * command and 'ws') never loads it, and a test can tell from the chunk names which it loaded.
 */
const OWN_CHUNKS = ['ws', 'axios', 'zod'] as const;

export default defineConfig({
  build: {
    ssr: 'src/main/cli/main.ts',
    outDir: 'out/main/command',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        format: 'es',
        entryFileNames: 'ibkr-tray.js',
        chunkFileNames: '[name]-[hash].js',
        codeSplitting: {
          groups: OWN_CHUNKS.map((name) => ({ name, test: new RegExp(`[\\\\/]node_modules[\\\\/]${name}[\\\\/]`) })),
        },
      },
    },
  },
  ssr: { noExternal: true, target: 'node' },
});
