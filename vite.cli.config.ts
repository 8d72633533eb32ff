import { defineConfig } from 'vite';

/**
 * The `ibkr-tray` command as a bundle in out/main/command/ (what bin/ibkr-tray.js runs), built by
 * `npm run build` from the same sources as the tray app's engine. A Node process pays for every
 * module file it loads (zod alone is dozens of small files): one entry file for the command line,
 * plus one chunk per lazily imported command, starts in about the time of Node itself. Packages go
 * in the bundle too, so the command does not search node_modules at run time.
 *
 * The packages that only some commands use keep chunks of their own (ws: keepalive and serve), so
 * the others never load them.
 */
const OWN_CHUNKS = ['ws', 'zod'] as const;

/**
 * The argument parser's checks (an account id, a --notify URL, a --health address) are shared with the
 * engine's modules, so the bundler would put them into a chunk with the settings, and zod with it,
 * which every command would then load before parsing its arguments. They get a chunk of their own.
 */
const PARSER_CHECKS = /[\\/]src[\\/](shared[\\/]account-id|main[\\/]core[\\/]notify-target|main[\\/]web[\\/]health-address)\.ts$/;

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
          groups: [...OWN_CHUNKS.map((name) => ({ name, test: new RegExp(`[\\\\/]node_modules[\\\\/]${name}[\\\\/]`) })), { name: 'parser-checks', test: PARSER_CHECKS }],
        },
      },
    },
  },
  ssr: { noExternal: true, target: 'node' },
});
