// Loaded with `node --import` by startup.test.ts: every module the process resolves is appended (one
// URL a line) to the file named by IBKR_TRAY_MODULE_LOG, so a test can tell which of the command's
// chunks a command loaded. The same file is the loader hook: registered from the main thread, it
// runs again in the hooks thread, where it only records.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

if (isMainThread) register(import.meta.url);

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const file = process.env.IBKR_TRAY_MODULE_LOG;
  if (file) appendFileSync(file, `${result.url}\n`);
  return result;
}
