/**
 * The command line of `ibkr-tray`, parsed with node:util parseArgs into one typed Invocation.
 * Bad input never throws: it comes back as a one-line reason (exit code 1).
 *
 * Global options may stand before or after the command. `--timeout` is the one option with two
 * meanings: before the command (or after any command that does not wait) it is the per-request
 * timeout; after `wait` or `login --wait` it is how long to wait for the session.
 */
import { parseArgs } from 'node:util';
import { accountIdProblem } from '../../shared/account-id.js';
import { parseNotifyTarget, type NotifyTarget } from '../core/notify-target.js';
import { parseHealthAddress, type HealthAddress } from '../web/health-address.js';

export interface GlobalOptions {
  /** Gateway origin from --gateway, undefined = settings, the folder's conf, or https://localhost:5000. */
  readonly gatewayUrl: string | undefined;
  /** Gateway folder from --dir, undefined = settings. */
  readonly gatewayFolder: string | undefined;
  /** The profile (named gateway) from --profile; undefined = the only one (asked for when there are more). */
  readonly profile: string | undefined;
  /** Settings folder from --config-dir, else IBKR_TRAY_CONFIG_DIR, else undefined (the OS default). */
  readonly configDir: string | undefined;
  readonly json: boolean;
  /** Per-request timeout. */
  readonly requestTimeoutMs: number;
  readonly verbose: boolean;
}

export type GatewayAction = 'start' | 'stop' | 'status' | 'logs';
export type SimpleCommandName = 'status' | 'accounts' | 'logout' | 'tickle' | 'validate' | 'reauth' | 'takeover' | 'trust' | 'doctor';
export type ServiceAction = 'install' | 'status' | 'uninstall';

export type Command =
  | { readonly name: SimpleCommandName }
  | { readonly name: 'login'; readonly wait: boolean; readonly timeoutMs: number; readonly intervalMs: number; readonly openBrowser: boolean }
  | { readonly name: 'wait'; readonly timeoutMs: number; readonly intervalMs: number }
  | { readonly name: 'use'; readonly accountId: string }
  | { readonly name: 'gateway'; readonly action: GatewayAction; readonly follow: boolean }
  | { readonly name: 'serve'; readonly host: string; readonly port: number; readonly notify: NotifyTarget | null }
  | { readonly name: 'keepalive'; readonly health: HealthAddress | null; readonly notify: NotifyTarget | null }
  /** `health` and `notify` as typed (checked): they go into the service's command line. */
  | { readonly name: 'service'; readonly action: ServiceAction; readonly health: string | null; readonly notify: string | null }
  /** `gateway install [--from URL|FILE]` (the folder is the global --dir). */
  | { readonly name: 'gateway-install'; readonly from: string | null }
  | { readonly name: 'java'; readonly action: 'install' }
  /** `profile list | add NAME --dir FOLDER [--port P] | remove NAME | rename OLD NEW`. */
  | { readonly name: 'profile'; readonly action: ProfileAction }
  | { readonly name: 'help'; readonly topic: string | null }
  | { readonly name: 'version' };
export type CommandName = Command['name'];

export type ProfileAction =
  | { readonly kind: 'list' }
  | { readonly kind: 'add'; readonly profile: string; readonly folder: string; readonly port: number | null }
  | { readonly kind: 'remove'; readonly profile: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string };

export interface Invocation {
  readonly global: GlobalOptions;
  readonly command: Command;
}

export type ParseResult = { readonly ok: true; readonly invocation: Invocation } | { readonly ok: false; readonly reason: string; readonly json: boolean };

/** Defaults, documented in the README and the help text. */
export const Defaults = {
  requestTimeoutMs: 5_000,
  /** waitForLogin's timeout in the seed API. */
  waitTimeoutMs: 300_000,
  /** `wait` and `login --wait` check once a second (the seed polled every 3 s): ready is seen within about a second. */
  waitIntervalMs: 1_000,
  serveHost: '127.0.0.1',
  servePort: 5050,
} as const;

const SIMPLE_COMMANDS: readonly SimpleCommandName[] = ['status', 'accounts', 'logout', 'tickle', 'validate', 'reauth', 'takeover', 'trust', 'doctor'];
const SERVICE_ACTIONS: readonly ServiceAction[] = ['install', 'status', 'uninstall'];
const GATEWAY_ACTIONS: readonly GatewayAction[] = ['start', 'stop', 'status', 'logs'];
/** Every verb `gateway` takes, in the help's order (install is parsed as its own command). */
const GATEWAY_VERBS = 'install, start, stop, status or logs';
export const COMMAND_NAMES: readonly string[] = [...SIMPLE_COMMANDS, 'login', 'wait', 'use', 'gateway', 'java', 'serve', 'keepalive', 'service', 'profile', 'help', 'version'];

const OPTIONS = {
  gateway: { type: 'string' },
  dir: { type: 'string' },
  'config-dir': { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  wait: { type: 'boolean' },
  interval: { type: 'string' },
  'no-browser': { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  host: { type: 'string' },
  port: { type: 'string' },
  health: { type: 'string' },
  notify: { type: 'string' },
  from: { type: 'string' },
} as const;
type OptionName = keyof typeof OPTIONS;

/** Which command may carry which of its own options (globals are allowed everywhere). */
const COMMAND_OPTIONS: Partial<Record<CommandName, readonly OptionName[]>> = {
  login: ['wait', 'interval', 'no-browser'],
  wait: ['interval'],
  gateway: ['follow', 'from'],
  serve: ['host', 'port', 'notify'],
  keepalive: ['health', 'notify'],
  service: ['health', 'notify'],
  profile: ['port'],
};
const GLOBAL_OPTIONS: readonly OptionName[] = ['gateway', 'dir', 'config-dir', 'profile', 'json', 'timeout', 'verbose', 'help', 'version'];

class UsageError extends Error {}

/** Parse `argv` (without node and the script); `env` supplies IBKR_TRAY_CONFIG_DIR. */
export function parseCommandLine(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParseResult {
  const wantsJson = argv.includes('--json');
  let parsed;
  try {
    parsed = parseArgs({ args: withNegativeValues(argv), options: OPTIONS, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    return { ok: false, reason: parseArgsReason(error), json: wantsJson };
  }
  const { values, positionals, tokens } = parsed;
  try {
    const commandToken = tokens.find((t) => t.kind === 'positional');
    const commandIndex = commandToken?.index ?? Number.POSITIVE_INFINITY;
    const name = positionals[0];
    const global = globalOptions(values, env, tokens, commandIndex, name);
    if (values.version) {
      if (name !== undefined && COMMAND_NAMES.includes(name)) throw new UsageError(`--version takes no command: run \`ibkr-tray --version\` alone, or \`ibkr-tray ${name}\` without it`);
      if (name !== undefined) throw new UsageError(`unexpected argument "${name}" after --version`);
      return ok(global, { name: 'version' });
    }
    if (name !== undefined && !COMMAND_NAMES.includes(name)) throw new UsageError(`unknown command "${name}": run \`ibkr-tray help\` for the list`);
    if (name === undefined || values.help) return ok(global, { name: 'help', topic: name ?? null });
    const commandName = name as CommandName;
    const allowed = new Set<string>([...GLOBAL_OPTIONS, ...(COMMAND_OPTIONS[commandName] ?? [])]);
    for (const token of tokens) {
      if (token.kind === 'option' && !allowed.has(token.name)) throw new UsageError(`${commandName} has no option --${token.name}: run \`ibkr-tray help ${commandName}\``);
    }
    const rest = positionals.slice(1);
    const waitTimeoutMs = commandTimeout(tokens, commandIndex);
    const intervalMs = values.interval === undefined ? Defaults.waitIntervalMs : seconds('--interval', values.interval, 0.05);
    return ok(global, command(commandName, rest, values, waitTimeoutMs, intervalMs));
  } catch (error) {
    if (error instanceof UsageError) return { ok: false, reason: error.message, json: wantsJson };
    throw error;
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true; tokens: true }>>['values'];
type Token = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true; tokens: true }>>['tokens'][number];

function ok(global: GlobalOptions, command: Command): ParseResult {
  return { ok: true, invocation: { global, command } };
}

function command(name: CommandName, rest: readonly string[], values: Values, waitTimeoutMs: number | undefined, intervalMs: number): Command {
  const noMoreThan = (count: number): void => {
    if (rest.length > count) throw new UsageError(`unexpected argument "${rest[count]}" after ${name}`);
  };
  switch (name) {
    case 'login':
      noMoreThan(0);
      if (!values.wait && (waitTimeoutMs !== undefined || values.interval !== undefined)) {
        throw new UsageError('login: --timeout and --interval after the command need --wait');
      }
      return { name, wait: values.wait === true, timeoutMs: waitTimeoutMs ?? Defaults.waitTimeoutMs, intervalMs, openBrowser: values['no-browser'] !== true };
    case 'wait':
      noMoreThan(0);
      return { name, timeoutMs: waitTimeoutMs ?? Defaults.waitTimeoutMs, intervalMs };
    case 'use': {
      const raw = rest[0];
      if (raw === undefined) throw new UsageError('use: which account? e.g. `ibkr-tray use U1234567` (see `ibkr-tray accounts`)');
      noMoreThan(1);
      const id = raw.trim();
      const problem = accountIdProblem(id);
      if (problem !== null) throw new UsageError(`use: ${problem}`);
      return { name, accountId: id };
    }
    case 'gateway': {
      const action = rest[0];
      if (action === 'install') {
        noMoreThan(1);
        if (values.follow) throw new UsageError('--follow goes with `gateway logs` only');
        return { name: 'gateway-install', from: nonEmpty('--from', values.from) ?? null };
      }
      if (values.from !== undefined) throw new UsageError('--from goes with `gateway install` only');
      if (action === undefined) throw new UsageError(`gateway: say what to do: ${GATEWAY_VERBS}`);
      if (!(GATEWAY_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`gateway: unknown action "${action}": use ${GATEWAY_VERBS}`);
      noMoreThan(1);
      if (values.follow && action !== 'logs') throw new UsageError('--follow goes with `gateway logs` only');
      return { name, action: action as GatewayAction, follow: values.follow === true };
    }
    case 'java': {
      if (rest[0] !== 'install') throw new UsageError(rest[0] === undefined ? 'java: say what to do: install' : `java: unknown action "${rest[0]}": use install`);
      noMoreThan(1);
      return { name, action: 'install' };
    }
    case 'gateway-install':
      // Reached through `gateway install` only (not a name on the command line).
      return { name, from: null };
    case 'serve': {
      noMoreThan(0);
      const host = values.host ?? Defaults.serveHost;
      if (host.trim() === '') throw new UsageError('serve: --host is empty');
      return { name, host, port: values.port === undefined ? Defaults.servePort : port(values.port), notify: notifyTarget(values.notify) };
    }
    case 'keepalive':
      noMoreThan(0);
      return { name, health: values.health === undefined ? null : healthAddress(values.health), notify: notifyTarget(values.notify) };
    case 'service': {
      const action = rest[0];
      if (action === undefined || !(SERVICE_ACTIONS as readonly string[]).includes(action)) throw new UsageError('service: say what to do: install, status or uninstall');
      noMoreThan(1);
      if (action !== 'install' && (values.health !== undefined || values.notify !== undefined)) throw new UsageError('--health and --notify go with `service install` only');
      if (values.health !== undefined) healthAddress(values.health);
      notifyTarget(values.notify);
      return { name, action: action as ServiceAction, health: values.health ?? null, notify: values.notify ?? null };
    }
    case 'profile':
      return { name, action: profileAction(rest, values) };
    case 'help': {
      noMoreThan(1);
      const topic = rest[0] ?? null;
      if (topic !== null && !COMMAND_NAMES.includes(topic)) throw new UsageError(`help: no command "${topic}": run \`ibkr-tray help\` for the list`);
      return { name, topic };
    }
    case 'version':
      noMoreThan(0);
      return { name };
    case 'status':
    case 'accounts':
    case 'logout':
    case 'tickle':
    case 'validate':
    case 'reauth':
    case 'takeover':
    case 'trust':
    case 'doctor':
      noMoreThan(0);
      return { name };
  }
}

/** `profile list | add NAME --dir FOLDER [--port P] | remove NAME | rename OLD NEW` (names are checked by the core). */
function profileAction(rest: readonly string[], values: Values): ProfileAction {
  const [action, first, second] = rest;
  const count = (n: number, usage: string): void => {
    if (rest.length !== n + 1) throw new UsageError(`profile ${action}: ${usage}`);
  };
  if (action !== 'add' && values.port !== undefined) throw new UsageError('--port goes with `profile add` only');
  switch (action) {
    case 'list':
      count(0, 'takes no argument');
      return { kind: 'list' };
    case 'add': {
      count(1, 'give the name and the folder: `profile add NAME --dir FOLDER [--port P]`');
      const folder = nonEmpty('--dir', values.dir);
      if (folder === undefined) throw new UsageError('profile add: which gateway folder? `profile add NAME --dir FOLDER [--port P]`');
      return { kind: 'add', profile: first ?? '', folder, port: values.port === undefined ? null : port(values.port) };
    }
    case 'remove':
      count(1, 'which profile? `profile remove NAME`');
      return { kind: 'remove', profile: first ?? '' };
    case 'rename':
      count(2, 'give the old and the new name: `profile rename OLD NEW`');
      return { kind: 'rename', from: first ?? '', to: second ?? '' };
    default:
      throw new UsageError(action === undefined ? 'profile: say what to do: list, add, remove or rename' : `profile: unknown action "${action}": use list, add, remove or rename`);
  }
}

/** The meaning of --timeout depends on where it stands: see the file comment. */
function commandTimeout(tokens: readonly Token[], commandIndex: number): number | undefined {
  const after = tokens.filter((t) => t.kind === 'option' && t.name === 'timeout' && t.index > commandIndex);
  const last = after.at(-1);
  return last?.kind === 'option' && last.value !== undefined ? seconds('--timeout', last.value, 0.05) : undefined;
}

function globalOptions(values: Values, env: Readonly<Record<string, string | undefined>>, tokens: readonly Token[], commandIndex: number, name: string | undefined): GlobalOptions {
  const waits = name === 'wait' || name === 'login';
  // Before the command, --timeout is per request; after `wait`/`login` it is the wait (commandTimeout).
  const requestTimeout = tokens.filter((t) => t.kind === 'option' && t.name === 'timeout' && (!waits || t.index < commandIndex)).at(-1);
  const requestTimeoutMs =
    requestTimeout?.kind === 'option' && requestTimeout.value !== undefined ? seconds('--timeout', requestTimeout.value, 0.05) : Defaults.requestTimeoutMs;
  const configDir = nonEmpty('--config-dir', values['config-dir']) ?? (env.IBKR_TRAY_CONFIG_DIR?.trim() || undefined);
  return {
    gatewayUrl: values.gateway === undefined ? undefined : gatewayUrl(values.gateway),
    gatewayFolder: nonEmpty('--dir', values.dir),
    profile: nonEmpty('--profile', values.profile),
    configDir,
    json: values.json === true,
    requestTimeoutMs,
    verbose: values.verbose === true,
  };
}

function nonEmpty(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError(`${option} is empty`);
  return value;
}

/** A positive number of seconds (decimals allowed) → ms, at most a day. */
function seconds(option: string, value: string, minSeconds: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < minSeconds || n > 86_400) {
    throw new UsageError(`${option} wants a positive number of seconds (${minSeconds} to 86400), not "${value}"`);
  }
  return Math.round(n * 1000);
}

function healthAddress(value: string): HealthAddress {
  const parsed = parseHealthAddress(value);
  if (!parsed.ok) throw new UsageError(parsed.reason);
  return parsed.address;
}

function notifyTarget(value: string | undefined): NotifyTarget | null {
  if (value === undefined) return null;
  const parsed = parseNotifyTarget(value);
  if (!parsed.ok) throw new UsageError(parsed.reason);
  return parsed.target;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) throw new UsageError(`--port wants a port number (0-65535), not "${value}"`);
  return n;
}

/** The gateway's origin, e.g. https://localhost:5000 (a path or query would be ignored anyway). */
function gatewayUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--gateway wants a URL such as https://localhost:5000, not "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError(`--gateway wants an https:// (or http://) URL, not "${value}"`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username || url.password) {
    throw new UsageError(`--gateway wants only the gateway's origin, e.g. ${url.origin}`);
  }
  return url.origin;
}

/**
 * `--timeout -1` is a value that is wrong, not a missing one: parseArgs calls any value that starts
 * with a dash "ambiguous", so a negative number after an option that takes a value is joined to it
 * (`--timeout=-1`) and then refused by that option's own check, which says what it wants.
 */
function withNegativeValues(argv: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : null;
    const takesValue = name !== null && name in OPTIONS && OPTIONS[name as OptionName].type === 'string';
    if (takesValue && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      args.push(`${arg}=${next}`);
      i++;
    } else {
      args.push(arg);
    }
  }
  return args;
}

/** parseArgs' own messages are long and mention the API; say it the user's way. */
function parseArgsReason(error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-{1,2}[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option ?? ''}: run \`ibkr-tray help\``.replace('  ', ' ');
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      if (!option) return message.split('\n')[0] ?? message;
      const name = option.split(' ')[0] ?? option;
      if (/argument missing/.test(message)) return `option ${name} needs a value`;
      // A value that starts with a dash (not a number: those are joined in withNegativeValues).
      if (/ambiguous/.test(message)) return `option ${name} needs a value; one that starts with a dash is written ${name}=VALUE`;
      return `option ${name} takes no value`;
    }
    default:
      return message.split('\n')[0] ?? message;
  }
}
