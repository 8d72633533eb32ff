import { defineConfig, type Plugin } from 'vite';

/**
 * Electron loads the built page from file:// and Chromium refuses module scripts there (a file://
 * page has an opaque origin, so the CORS fetch a module script needs fails). The page is one entry with
 * no dynamic imports, so the ES bundle has no import/export left and runs as a classic script: rewrite
 * the tags Vite writes for modules into plain deferred scripts and stylesheets. (format 'iife' would
 * inline the CSS as a <style> element, which the strict CSP forbids.)
 */
function classicScripts(): Plugin {
  return {
    name: 'ibkr-tray:classic-scripts',
    enforce: 'post',
    transformIndexHtml: {
      order: 'post',
      handler: (html) =>
        html
          .replace(/<script type="module" crossorigin /g, '<script defer ')
          .replace(/<script type="module" /g, '<script defer ')
          .replace(/ crossorigin(?=[\s>])/g, ''),
    },
  };
}

// The page is built once and served two ways: loaded from disk by the Electron window and served by
// `ibkr-tray serve`. Relative asset paths make both work.
export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [classicScripts()],
  build: {
    outDir: '../../out/renderer',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    modulePreload: false,
    // The favicon (the app icon from assets/) stays a file the dashboard and app:// serve, under the
    // CSP's img-src 'self', rather than a data: URL inlined because it is small.
    assetsInlineLimit: (file) => (file.endsWith('.png') ? false : undefined),
  },
});
