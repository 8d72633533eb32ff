/**
 * The `ibkr-tray` process: wires argv, the streams, Ctrl-C / SIGTERM and the real core into runCli,
 * then exits with its code. The exit is explicit: a socket left hanging by a gateway that never
 * answers must not keep the command alive past its deadline.
 *
 * The core (and the browser opener) are imported only when a command asks for them: `--help` and
 * `--version` load nothing but the parser, and start as fast as Node itself.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { INTERRUPTED } from './context.js';
import { packageFolder } from './installation.js';
import { runCli } from './run.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(path.join(packageFolder(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Resolve once everything written so far has been handed to the OS (pipes may be asynchronous). */
function flush(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

const stop = new AbortController();
let firstSignalAt: number | null = null;
const onSignal = (): void => {
  // A second Ctrl-C means "now": do not wait for a clean stop. Only one pressed later counts: a
  // library that cleans up on signals may re-raise the same signal at once, and that echo must not
  // turn a clean stop into an abrupt one.
  if (firstSignalAt !== null && Date.now() - firstSignalAt > 300) process.exit(INTERRUPTED);
  firstSignalAt ??= Date.now();
  stop.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// `ibkr-tray status | head -0`: a closed pipe is not an error worth a stack trace.
process.stdout.on('error', () => undefined);

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  stop: stop.signal,
  connect: async (global, options) => (await import('./connect.js')).connectBackend(global, options),
  // Read only when a command needs it: the settings module is not loaded for --help.
  profiles: async (global) => (await import('../core/settings.js')).profileNames(global.configDir === undefined ? {} : { configDir: global.configDir }),
  openBrowser: async (url) => (await import('./open-browser.js')).openInBrowser(url),
  version: version(),
  // `wait --timeout 10` ends 10 s after the user pressed Enter, Node's own start-up included.
  startedAt: Math.round(performance.timeOrigin),
});
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
