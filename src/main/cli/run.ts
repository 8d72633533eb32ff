/**
 * `ibkr-tray` from argv to exit code, with every outside dependency passed in (streams, clock,
 * signal, how to reach the core), so that main.ts only wires the process.
 *
 * Each command's module is imported when that command runs (see execute): a command pays only for
 * what it uses, and `--help` for none of it.
 */
import { parseCommandLine } from './arguments.js';
import type { Command, GlobalOptions } from './arguments.js';
import type { CliBackend } from './backend.js';
import { moreThanOneProfile } from './commands/profile-words.js';
import type { BackendOptions, CommandContext, CommandResult } from './context.js';
import { INTERRUPTED } from './context.js';
import { configDirProblem } from './config-dir.js';
import { withDeadline } from './deadline.js';
import { CommandFailure, ExitCode, exitCodeForError, isExpectedFailure } from './exit-codes.js';
import { helpFor, USAGE } from './help.js';
import type { TextStream } from './output.js';
import { Output } from './output.js';
import { ProgressLine } from './progress.js';
import { GatewayError } from '../core/errors.js';
import { InstallError } from '../core/install/install-error.js';

export interface CliIo {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: TextStream;
  readonly stderr: TextStream;
  /** Aborted by Ctrl-C / SIGTERM. */
  readonly stop: AbortSignal;
  /** Build the core for these options (connect.ts in the real command, a fake in unit tests). */
  connect(global: GlobalOptions, options: BackendOptions): Promise<CliBackend>;
  openBrowser(url: string): Promise<boolean>;
  /** The profiles' names in the settings (connect.ts's profileNames); absent: one profile, as before profiles. */
  profiles?(global: GlobalOptions): Promise<readonly string[]>;
  readonly version: string;
  readonly now?: () => number;
  /** When the command started (main: the process's start), from which a wait's --timeout counts; default now(). */
  readonly startedAt?: number;
}

/** Commands that run until Ctrl-C: no overall deadline, and the signal is theirs to handle. */
function runsUntilStopped(command: Command): boolean {
  // Installs too: a download takes as long as it takes (each read has its own stall limit), and
  // Ctrl-C must reach it as a cancel so that it removes what it had unpacked.
  if (command.name === 'gateway-install' || command.name === 'java') return true;
  return command.name === 'keepalive' || command.name === 'serve' || (command.name === 'gateway' && command.action === 'logs' && command.follow);
}

/**
 * The overall deadline of a command, on top of the per-request timeouts: a few requests' worth for a
 * one-shot command, the wait plus that for a wait, the supervisor's start limit for a gateway start.
 */
function deadlineOf(command: Command, requestTimeoutMs: number): { ms: number; code: ExitCode } {
  const oneShot = requestTimeoutMs * 4 + 1_000;
  switch (command.name) {
    case 'wait':
      return { ms: command.timeoutMs + oneShot, code: ExitCode.timedOut };
    case 'login':
      // login() may start the gateway (up to 30 s to answer) before it opens the page.
      return { ms: (command.wait ? command.timeoutMs : 0) + 45_000 + oneShot, code: command.wait ? ExitCode.timedOut : ExitCode.unreachable };
    case 'gateway':
      return { ms: command.action === 'start' || command.action === 'stop' ? 45_000 + oneShot : oneShot, code: ExitCode.unreachable };
    default:
      return { ms: oneShot, code: ExitCode.unreachable };
  }
}

/**
 * Run one command. A new command: its case here imports its module (`await import(...)`), so that
 * the others do not pay for loading it; the bundle (vite.cli.config.ts) makes one chunk of each.
 */
async function execute(ctx: CommandContext, command: Command): Promise<CommandResult> {
  switch (command.name) {
    case 'status':
      return (await import('./commands/status.js')).status(ctx);
    case 'wait':
      return (await import('./commands/wait.js')).waitUntilReady(ctx, command.timeoutMs, command.intervalMs);
    case 'login':
      return (await import('./commands/login.js')).login(ctx, command);
    case 'accounts':
      return (await import('./commands/accounts.js')).accounts(ctx);
    case 'use':
      return (await import('./commands/accounts.js')).use(ctx, command.accountId);
    case 'logout':
      return (await import('./commands/session-calls.js')).logout(ctx);
    case 'tickle':
      return (await import('./commands/session-calls.js')).tickle(ctx);
    case 'validate':
      return (await import('./commands/session-calls.js')).validate(ctx);
    case 'reauth':
      return (await import('./commands/session-calls.js')).reauth(ctx);
    case 'takeover':
      return (await import('./commands/session-calls.js')).takeover(ctx);
    case 'gateway':
      return (await import('./commands/gateway.js')).gateway(ctx, command.action, command.follow);
    case 'gateway-install':
      return (await import('./commands/install.js')).gatewayInstall(ctx, command.from);
    case 'java':
      return (await import('./commands/java.js')).javaInstall(ctx);
    case 'doctor':
      return (await import('./commands/doctor.js')).doctor(ctx);
    case 'keepalive':
      return (await import('./commands/keepalive.js')).keepalive(ctx, command);
    case 'service':
      return (await import('./commands/service.js')).service(ctx, command);
    case 'trust':
      return (await import('./commands/trust.js')).trust(ctx);
    case 'serve':
      return (await import('./commands/serve.js')).serve(ctx, command.host, command.port, command.notify);
    case 'profile':
      return (await import('./commands/profile.js')).profile(ctx, command.action);
    case 'help':
    case 'version':
      // Answered before any context exists (see runCli).
      return ExitCode.ok;
  }
}

/** Run the command line; resolves with the exit code (never rejects). */
export async function runCli(io: CliIo): Promise<number> {
  const parsed = parseCommandLine(io.argv, io.env);
  if (!parsed.ok) {
    const out = new Output(io.stdout, io.stderr, parsed.json);
    out.problem(`ibkr-tray: ${parsed.reason}`);
    out.result(null, { ok: false, exitCode: ExitCode.usage, error: { kind: 'usage', message: parsed.reason } });
    return ExitCode.usage;
  }
  const { global, command } = parsed.invocation;
  const out = new Output(io.stdout, io.stderr, global.json);
  if (command.name === 'help') {
    // The parser has already refused a topic that is not a command.
    const text = command.topic === null ? USAGE : (helpFor(command.topic) ?? USAGE);
    out.result(text, { usage: text });
    return ExitCode.ok;
  }
  if (command.name === 'version') {
    out.result(io.version, { version: io.version });
    return ExitCode.ok;
  }
  if (global.configDir !== undefined) {
    const problem = configDirProblem(global.configDir, io.argv.some((a) => a === '--config-dir' || a.startsWith('--config-dir=')) ? '--config-dir' : 'IBKR_TRAY_CONFIG_DIR');
    if (problem !== null) return report(out, global, new CommandFailure(ExitCode.usage, problem));
  }
  // Before any command's module: several of them build zod schemas as they load (parse-without-jit.ts).
  await import('./parse-without-jit.js');
  // One address is one gateway: applied to every profile it would show one session under each name.
  if (global.gatewayUrl !== undefined && global.profile === undefined && ((await io.profiles?.(global)) ?? []).length > 1) {
    return report(out, global, new CommandFailure(ExitCode.usage, '--gateway names one gateway: add --profile NAME'));
  }

  const now = io.now ?? Date.now;
  const startedAt = io.startedAt ?? now();
  let backend: Promise<CliBackend> | null = null;
  const ctx: CommandContext = {
    global,
    out,
    now,
    startedAt,
    stop: io.stop,
    // A settings file the engine just moved aside as damaged is told once (doctor tells it in its own line).
    backend: (options = {}) => (backend ??= connectChosen(io, global, options).then((b) => (command.name === 'doctor' ? b : tellSettingsNotices(out, b)))),
    profiles: async () => (await io.profiles?.(global)) ?? [],
    backendOf: (name, options = {}) => io.connect({ ...global, profile: name }, options),
    progress: () => new ProgressLine(io.stdout, io.stderr, now),
    openBrowser: (url) => io.openBrowser(url),
  };

  let code: number;
  try {
    if (runsUntilStopped(command)) {
      code = await execute(ctx, command);
    } else {
      const deadline = deadlineOf(command, global.requestTimeoutMs);
      const target = global.gatewayUrl ?? 'the gateway';
      code = await withDeadline(
        interruptible(execute(ctx, command), io.stop),
        deadline.ms,
        () =>
          new CommandFailure(
            deadline.code,
            deadline.code === ExitCode.timedOut ? `timed out after ${Math.round(deadline.ms / 1000)} s` : `${target} did not answer within ${Math.round(deadline.ms / 1000)} s: is IBKR reachable from the gateway?`,
          ),
      );
    }
  } catch (error) {
    code = report(out, global, error);
  }
  if (backend) await disposeQuietly(backend, global.requestTimeoutMs);
  return code;
}

/** Connect to the profile --profile names, or to the only one; more than one and no --profile is a usage failure. */
async function connectChosen(io: CliIo, global: GlobalOptions, options: BackendOptions): Promise<CliBackend> {
  if (global.profile === undefined) {
    const names = (await io.profiles?.(global)) ?? [];
    if (names.length > 1) throw new CommandFailure(ExitCode.usage, moreThanOneProfile(names));
  }
  return io.connect(global, options);
}

function tellSettingsNotices(out: Output, backend: CliBackend): CliBackend {
  for (const notice of backend.engine?.settings?.notices?.() ?? []) out.problem(`ibkr-tray: ${notice.text}`);
  return backend;
}

/** Ctrl-C during a one-shot command or a wait ends it at once with 130. */
function interruptible(work: Promise<CommandResult>, stop: AbortSignal): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(INTERRUPTED);
    if (stop.aborted) return onAbort();
    stop.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => stop.removeEventListener('abort', onAbort));
  });
}

/** A failure's kind for --json: an install's own (`disk`, `occupied`, …) when it carries one. */
function failureKind(error: CommandFailure): string {
  return error.cause instanceof InstallError ? error.cause.kind : 'failure';
}

/** One line for an expected failure (stack only with --verbose); a bug gets its stack always. */
function report(out: Output, global: GlobalOptions, error: unknown): number {
  const code = exitCodeForError(error);
  const expected = isExpectedFailure(error);
  const message = error instanceof Error ? error.message : String(error);
  out.problem(`ibkr-tray: ${expected ? message : `unexpected error: ${message}`}`);
  if ((global.verbose || !expected) && error instanceof Error && error.stack) out.problem(error.stack);
  const kind = error instanceof GatewayError ? error.kind : error instanceof CommandFailure ? failureKind(error) : expected ? (error as Error).name : 'bug';
  out.result(null, { ok: false, exitCode: code, error: { kind, message } });
  return code;
}

/** Release the core; a dispose that hangs must not hang the command. */
async function disposeQuietly(backend: Promise<CliBackend>, timeoutMs: number): Promise<void> {
  try {
    const b = await backend;
    await withDeadline(b.dispose(), timeoutMs + 2_000, () => new CommandFailure(ExitCode.unreachable, 'dispose timed out'));
  } catch {
    // The command's outcome is already decided; main exits anyway.
  }
}
