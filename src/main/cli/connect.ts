/**
 * The real backend of the command: settings from --config-dir, the gateway URL after --gateway /
 * settings / the folder's conf, and the engine from createEngine.
 */
import type { GlobalOptions } from './arguments.js';
import type { CliBackend } from './backend.js';
import type { BackendOptions } from './context.js';
import { CommandFailure, ExitCode } from './exit-codes.js';

export async function connectBackend(_global: GlobalOptions, _options: BackendOptions): Promise<CliBackend> {
  // Wired to createEngine once the session engine lands.
  throw new CommandFailure(ExitCode.unreachable, 'the session engine is not available in this build');
}
