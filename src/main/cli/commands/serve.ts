/**
 * `ibkr-tray serve [--host H] [--port P]`: the local web dashboard over the same engine, until Ctrl-C.
 */
import type { CommandContext, CommandResult } from '../context.js';
import { CommandFailure, ExitCode } from '../exit-codes.js';

export async function serve(_ctx: CommandContext, _host: string, _port: number): Promise<CommandResult> {
  // Wired to src/main/web's dashboard once it lands.
  throw new CommandFailure(ExitCode.usage, 'serve: the web dashboard is not available in this build');
}
