/**
 * `ibkr-tray doctor`: one screen, one line per thing a user needs (settings, gateway folder and its
 * conf, Java, the port, the certificate, the gateway answering, the session), each saying what is
 * wrong and what to do. Exit 0 only when every line is fine; otherwise the exit code of the first
 * line that is not, so a script learns the same as from the command that would fail.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GatewayError, type GatewayFailureKind } from '../../core/errors.js';
import { parseGatewayConf } from '../../core/gateway/conf.js';
import { checkGatewayFolder } from '../../core/gateway/folder.js';
import { findJava, realJavaSystem } from '../../core/gateway/java.js';
import { portOf } from '../../core/gateway/location.js';
import { findListenerPid, probeGateway } from '../../core/gateway/port.js';
import { readPresentedFingerprint } from '../../core/gateway/tls.js';
import { normalizeFingerprint } from '../../core/gateway/trust.js';
import type { CliBackend } from '../backend.js';
import type { CommandContext, CommandResult } from '../context.js';
import { ExitCode, exitCodeForError, exitCodeForState } from '../exit-codes.js';
import { stateWords } from '../../../shared/state-words.js';
import type { SessionKind } from '../../../shared/snapshot.js';

export interface DoctorCheck {
  readonly check: 'settings' | 'gateway folder' | 'java' | 'port' | 'certificate' | 'session';
  /** warn: worth knowing, not wrong (e.g. no certificate pinned before the first connection). */
  readonly status: 'ok' | 'warn' | 'fail';
  readonly detail: string;
  /** What to do; null when nothing. */
  readonly fix: string | null;
  readonly exitCode: ExitCode;
}

const ok = (check: DoctorCheck['check'], detail: string): DoctorCheck => ({ check, status: 'ok', detail, fix: null, exitCode: ExitCode.ok });
const fail = (check: DoctorCheck['check'], detail: string, fix: string | null, exitCode: ExitCode = ExitCode.usage): DoctorCheck => ({ check, status: 'fail', detail, fix, exitCode });

function settingsCheck(backend: CliBackend): DoctorCheck {
  const problem = backend.engine.settings.notices().find((n) => n.level !== 'info');
  if (problem) return fail('settings', problem.text, 'check the file named, or set your choices again in the app');
  return ok('settings', backend.engine.settings.path);
}

async function folderCheck(backend: CliBackend): Promise<DoctorCheck> {
  if (!backend.gatewayFolder) return fail('gateway folder', 'none chosen', 'run `ibkr-tray gateway install` (or pass --dir FOLDER)');
  try {
    const folder = checkGatewayFolder(backend.gatewayFolder);
    const conf = parseGatewayConf(await readFile(folder.confFile, 'utf8'), path.join(folder.folder, 'root', 'conf.yaml'));
    return ok('gateway folder', `${folder.folder} (conf.yaml: port ${conf.listenPort}, ${conf.listenSsl ? 'https' : 'http'})`);
  } catch (error) {
    return fail('gateway folder', (error as Error).message, 'run `ibkr-tray gateway install` to put a complete gateway there');
  }
}

async function javaCheck(backend: CliBackend): Promise<DoctorCheck> {
  try {
    const java = await findJava(realJavaSystem({ appDataDir: backend.configDir }));
    return ok('java', `Java ${java.version} (${java.from}): ${java.java}`);
  } catch (error) {
    return fail('java', (error as Error).message, 'run `ibkr-tray java install`');
  }
}

/** The name of a process, for "who holds the port" (Linux: /proc; elsewhere ps). */
async function processName(pid: number): Promise<string | null> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim() || null;
  } catch {
    return new Promise((resolve) => {
      execFile('ps', ['-p', String(pid), '-o', 'comm='], { timeout: 3000 }, (error, stdout) => resolve(error ? null : String(stdout).trim() || null));
    });
  }
}

interface PortFacts {
  readonly check: DoctorCheck;
  readonly gatewayAnswers: boolean;
}

async function portCheck(backend: CliBackend, timeoutMs: number): Promise<PortFacts> {
  const url = new URL(backend.gatewayUrl);
  const port = portOf(url);
  const answer = await probeGateway(port, url.protocol === 'https:', timeoutMs);
  if (answer === 'closed') return { check: ok('port', `port ${port} is free (the gateway is not running)`), gatewayAnswers: false };
  const pid = await findListenerPid(port);
  const who = pid === null ? 'a process that cannot be named' : `${(await processName(pid)) ?? 'a process'} (pid ${pid})`;
  if (answer === 'gateway') return { check: ok('port', `port ${port}: the gateway answers, served by ${who}`), gatewayAnswers: true };
  return {
    check: fail('port', `port ${port} is held by ${who}, which is not the gateway`, `end that program, or set another listenPort in the gateway's root/conf.yaml`, ExitCode.unreachable),
    gatewayAnswers: false,
  };
}

async function certificateCheck(backend: CliBackend, timeoutMs: number): Promise<DoctorCheck> {
  const url = backend.gatewayUrl;
  if (!url.startsWith('https:')) return ok('certificate', `${url} is plain HTTP (listenSsl: false): nothing to pin`);
  const pinned = backend.pinnedFingerprint();
  let presented: string;
  try {
    presented = await readPresentedFingerprint(url, { timeoutMs });
  } catch (error) {
    return fail('certificate', `the certificate of ${url} could not be read (${(error as Error).message})`, null, ExitCode.unreachable);
  }
  if (pinned === null) return { check: 'certificate', status: 'warn', detail: `not pinned yet; the gateway presents ${presented}`, fix: 'it is pinned at the first connection (or now: `ibkr-tray trust`)', exitCode: ExitCode.ok };
  if ((normalizeFingerprint(pinned) ?? pinned) !== presented) {
    return fail('certificate', `changed: pinned ${pinned}, presented ${presented}`, 'if you reinstalled the gateway, `ibkr-tray trust`', ExitCode.certificateChanged);
  }
  return ok('certificate', `pinned ${presented}`);
}

async function sessionCheck(backend: CliBackend): Promise<DoctorCheck> {
  try {
    const snapshot = await backend.check();
    if (snapshot.state === 'ready') return ok('session', stateWords(snapshot.state));
    return fail('session', stateWords(snapshot.state), nextStepFor(snapshot.state), exitCodeForState(snapshot.state));
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return fail('session', error.message, nextStepForFailure(error.kind), exitCodeForError(error));
  }
}

/** What to do about a session that is not ready: every failing session line says a next step. */
function nextStepFor(state: Exclude<SessionKind, 'ready'>): string {
  switch (state) {
    case 'login-required':
      return 'run `ibkr-tray login`';
    case 'competing':
      return 'run `ibkr-tray takeover`, or log out elsewhere';
    case 'starting':
    case 'logging-in':
    case 'brokerage-starting':
      return 'wait for it: `ibkr-tray wait`';
    case 'rate-limited':
      return 'wait about 10 minutes without sending anything; do not restart the gateway';
    case 'stopped':
    case 'failed':
      return 'run `ibkr-tray gateway start`, then `ibkr-tray login`';
    case 'not-responding':
      return 'check that IBKR is reachable from this machine, then `ibkr-tray status`';
  }
}

function nextStepForFailure(kind: GatewayFailureKind): string {
  switch (kind) {
    case 'unreachable':
      return 'run `ibkr-tray gateway start`, then `ibkr-tray login`';
    case 'not-responding':
      return 'check that IBKR is reachable from this machine, then `ibkr-tray status`';
    case 'rate-limited':
      return nextStepFor('rate-limited');
    case 'certificate-changed':
      return 'if you reinstalled the gateway, `ibkr-tray trust`';
    case 'not-authenticated':
    case 'no-session':
    case 'ibkr-error':
    case 'unexpected-answer':
      return 'run `ibkr-tray login`';
  }
}

/** Every check, in the order a user fixes things. */
export async function doctorChecks(backend: CliBackend, timeoutMs: number): Promise<DoctorCheck[]> {
  const checks = [settingsCheck(backend), await folderCheck(backend), await javaCheck(backend)];
  const port = await portCheck(backend, timeoutMs);
  checks.push(port.check);
  if (!port.gatewayAnswers) {
    const running = port.check.status === 'ok' ? 'the gateway is not running' : 'no gateway answers';
    checks.push(fail('session', running, backend.gatewayFolder ? 'run `ibkr-tray gateway start`' : 'run `ibkr-tray gateway install`, then `ibkr-tray gateway start`', ExitCode.unreachable));
    return checks;
  }
  const certificate = await certificateCheck(backend, timeoutMs);
  checks.push(certificate);
  // With a changed certificate the app sends nothing to the gateway: the session is not asked.
  if (certificate.status !== 'fail') checks.push(await sessionCheck(backend));
  return checks;
}

const MARK = { ok: 'ok  ', warn: 'note', fail: 'FAIL' } as const;

export function doctorLine(c: DoctorCheck): string {
  return `${MARK[c.status]}  ${`${c.check}:`.padEnd(16)}${c.detail}${c.fix ? ` — ${c.fix}` : ''}`;
}

export async function doctor(ctx: CommandContext): Promise<CommandResult> {
  const backend = await ctx.backend();
  const checks = await doctorChecks(backend, ctx.global.requestTimeoutMs);
  const failed = checks.find((c) => c.status === 'fail');
  const code = failed?.exitCode ?? ExitCode.ok;
  ctx.out.result(checks.map(doctorLine).join('\n'), { ok: !failed, exitCode: code, checks });
  return code;
}
