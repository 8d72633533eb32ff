// Module resolution hook of the Electron stand-in: `electron` (from the app and from electron-store)
// resolves to the stand-in, never to the real package, whose index.js would look for a binary.
const standIn = new URL('./electron.ts', import.meta.url).href;

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: standIn, format: 'module', shortCircuit: true };
  return next(specifier, context);
}
