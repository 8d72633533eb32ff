import { defineConfig } from 'vite';

// The page is built once and served two ways: loaded from disk by the Electron window and served by
// `ibkr-tray serve`. Relative asset paths make both work; one classic bundle avoids file:// module loading.
export default defineConfig({
  root: 'src/renderer',
  base: './',
  build: {
    outDir: '../../out/renderer',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
});
