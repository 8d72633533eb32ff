/**
 * InteractiveBrokersAuthentication (the seed library's API) against the simulator, and against the
 * fake gateway folder where it has to start or close the gateway itself.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InteractiveBrokersAuthentication } from '../../../src/main/core/auth.js';
import { GatewayError, IBCAuthenticationError, IBCValidationError } from '../../../src/main/core/errors.js';
import { createGatewayClient, type GatewayClient } from '../../../src/main/core/gateway/client.js';
import { probeGateway } from '../../../src/main/core/gateway/port.js';
import { ProcessGatewaySupervisor } from '../../../src/main/core/gateway/process.js';
import { memoryPinStore } from '../../../src/main/core/gateway/tls.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { until } from '../../sim/until.js';
import { alive, copyGatewayFolder, groupPids } from './gateway-folder.js';
import { loggedIn } from './sim-login.js';
import { freePort } from '../../sim/gateway-folder.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function simulated(authDelayMs = 50) {
  const sim: Simulator = await startSimulator({ authDelayMs });
  const client: GatewayClient = createGatewayClient({ baseUrl: sim.url, pin: sim.fingerprint256, timeoutMs: 2000 });
  cleanups.push(async () => {
    client.dispose();
    await sim.stop();
  });
  const opened: string[] = [];
  const auth = new InteractiveBrokersAuthentication({ client, openLoginPage: (url) => void opened.push(url) });
  return { sim, client, auth, opened };
}

describe('login()', () => {
  it('already authenticated: returns the status and opens nothing', async () => {
    const { sim, auth, opened } = await simulated();
    await loggedIn(sim);
    await expect(auth.login()).resolves.toMatchObject({ authenticated: true, connected: true });
    expect(auth.authenticated).toBe(true);
    expect(opened).toEqual([]);
  });

  it('running with an SSO login but no brokerage session: starts it (ssodh/init), no login page', async () => {
    const { sim, auth, opened } = await simulated(60_000);
    await sim.control.loginWithoutBrokerage();
    await expect(auth.login()).resolves.toMatchObject({ authenticated: true });
    expect(sim.requests.some((r) => r.path === '/v1/api/iserver/auth/ssodh/init')).toBe(true);
    expect(opened).toEqual([]);
  });

  it('running but nobody logged in: opens the login page and returns the unauthenticated status', async () => {
    const { sim, auth, opened } = await simulated();
    await expect(auth.login()).resolves.toMatchObject({ authenticated: false });
    expect(opened).toEqual([`${sim.url}/`]);
  });

  it('gateway not running: starts it through the supervisor, opens its login page; closeGateway() stops it', async () => {
    const port = await freePort();
    const { folder, cleanup } = await copyGatewayFolder(port);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ibkr-state-'));
    const supervisor = new ProcessGatewaySupervisor({ folder, stateDir, env: { ...process.env, IBKR_SIM_EXIT_DELAY_MS: '200' }, stopGraceMs: 3000 });
    const pins = memoryPinStore();
    const clients = new Map<string, GatewayClient>();
    // The client follows the supervisor's location (it changes when the configured port is taken).
    const client = () => {
      const url = supervisor.location().url;
      if (!clients.has(url)) clients.set(url, createGatewayClient({ baseUrl: url, pin: pins, timeoutMs: 2000 }));
      return clients.get(url)!;
    };
    cleanups.push(async () => {
      const state = supervisor.state();
      await supervisor.stop().catch(() => undefined);
      await supervisor.dispose();
      if ('pid' in state && state.pid) groupPids(state.pid).forEach((pid) => process.kill(pid, 'SIGKILL'));
      for (const c of clients.values()) c.dispose();
      await cleanup();
      fs.rmSync(stateDir, { recursive: true, force: true });
    });
    const opened: string[] = [];
    const auth = new InteractiveBrokersAuthentication({ client, supervisor, openLoginPage: (url) => void opened.push(url) });

    await expect(auth.login()).resolves.toMatchObject({ authenticated: false });
    expect(opened).toEqual([`https://localhost:${port}/`]);
    await expect(probeGateway(port, true)).resolves.toBe('gateway');
    const pid = (supervisor.state() as { pid: number }).pid;
    const pids = groupPids(pid);

    await expect(auth.closeGateway()).resolves.toMatchObject({ stopped: true, pid, message: `Gateway process ${pid} stopped.` });
    expect(pids.filter(alive)).toEqual([]);
    await expect(auth.closeGateway()).rejects.toThrow(IBCAuthenticationError);
  });
});

describe('login() when the gateway misbehaves', () => {
  it('a gateway that hangs (IBKR unreachable) is "not responding", not "not running", and nothing is opened', async () => {
    const { sim, auth, opened } = await simulated();
    await sim.control.setUnreachable(true);
    const error = (await auth.login().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(IBCAuthenticationError);
    expect(error.message).toMatch(/is running but not responding/);
    expect(error.message).not.toMatch(/not running/);
    expect(error.message).not.toMatch(/\n/);
    expect(opened).toEqual([]);
  });

  it('a non-JSON answer (an HTML error page) rejects with a one-line "unexpected answer" and opens nothing', async () => {
    const { sim, auth, opened } = await simulated();
    await loggedIn(sim);
    await sim.control.setMalformed('/iserver/auth/status', 'html');
    const error = (await auth.login().catch((e: unknown) => e)) as GatewayError;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.kind).toBe('unexpected-answer');
    expect(error.message).toMatch(/\/v1\/api\/iserver\/auth\/status .*HTML where JSON was due/);
    expect(error.message).not.toMatch(/\n/);
    expect(opened).toEqual([]);
    await expect(auth.checkAuth()).resolves.toBe(false);
    expect(auth.lastState).toMatch(/^no answer \(/);
  });

  it('a 429 rejects with "rate-limited" (wait, do not restart), and opens no login page', async () => {
    const { sim, auth, opened } = await simulated();
    await loggedIn(sim);
    await sim.control.penalize(60_000);
    const error = (await auth.login().catch((e: unknown) => e)) as GatewayError;
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.kind).toBe('rate-limited');
    expect(error.message).toMatch(/429.*do not restart the gateway/);
    expect(opened).toEqual([]);
    // Our own pacer now holds everything back: the next call is refused without reaching the gateway.
    await sim.control.clearRequests();
    await expect(auth.isAuthenticated()).rejects.toMatchObject({ kind: 'rate-limited' });
    expect(await sim.control.requests()).toEqual([]);
  });

  // (The wait for a chain that reauthenticate only triggered is timed on a fake clock in test/unit/main/core/auth.test.ts.)
  it('ssodh/init answering garbage falls back to reauthenticate; login() returns the session and opens no page', async () => {
    const { sim, auth, opened } = await simulated(1_500);
    await sim.control.loginWithoutBrokerage();
    await sim.control.setMalformed('/iserver/auth/ssodh/init', 'html');
    await expect(auth.login()).resolves.toMatchObject({ authenticated: true });
    const paths = sim.requests.map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining(['/v1/api/iserver/auth/ssodh/init', '/v1/api/iserver/reauthenticate']));
    expect(opened).toEqual([]);
  });
});

describe('waitForLogin()', () => {
  it('resolves true once the user has logged in (seconds, as in the seed)', async () => {
    const { sim, auth } = await simulated();
    setTimeout(() => void sim.control.login(), 300);
    await expect(auth.waitForLogin(10, 0.1)).resolves.toBe(true);
  });

  it('resolves true once the user has logged in', async () => {
    const { sim, auth } = await simulated();
    setTimeout(() => void sim.control.login(), 300);
    await expect(auth.waitForLogin({ timeoutMs: 10_000, pollIntervalMs: 100 })).resolves.toBe(true);
    expect(auth.authenticated).toBe(true);
  });

  it('rejects with IBCAuthenticationError saying how long it waited and the last state seen', async () => {
    const { auth } = await simulated();
    const error = (await auth.waitForLogin({ timeoutMs: 600, pollIntervalMs: 100 }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(IBCAuthenticationError);
    expect(error.message).toMatch(/^Not logged in after waiting \d+ s; last state seen: not logged in \(401\)\.$/);
  });
});

describe('closeGateway(pid)', () => {
  it("stops the given pid's whole process tree", async () => {
    const { auth } = await simulated();
    // A stand-in for a gateway: a shell with a child, in its own group, like run.sh and java.
    const tree = spawn('bash', ['-c', 'sleep 60 & wait'], { detached: true, stdio: 'ignore' });
    const pid = tree.pid!;
    cleanups.push(() => {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    });
    await until('the child sleep', () => groupPids(pid).length === 2);
    const pids = groupPids(pid);
    await expect(auth.closeGateway(pid)).resolves.toMatchObject({ stopped: true, pid, message: `Gateway process ${pid} stopped.` });
    expect(pids.filter(alive)).toEqual([]);
  });

  it('without a pid and nothing started: IBCAuthenticationError', async () => {
    const { auth } = await simulated();
    await expect(auth.closeGateway()).rejects.toThrow(/No gateway process to close/);
  });
});

describe('the session calls', () => {
  it('isAuthenticated(): a parsed status; 401 is "not authenticated", not an error', async () => {
    const { sim, auth } = await simulated();
    await expect(auth.isAuthenticated()).resolves.toMatchObject({ authenticated: false });
    await loggedIn(sim);
    await expect(auth.isAuthenticated()).resolves.toMatchObject({ authenticated: true, competing: false });
  });

  it('updateServerAccount(): refuses an empty or non-string id before sending anything', async () => {
    const { sim, auth } = await simulated();
    await loggedIn(sim);
    await sim.control.clearRequests();
    await expect(auth.updateServerAccount('')).rejects.toThrow(IBCValidationError);
    await expect(auth.updateServerAccount('   ')).rejects.toThrow(IBCValidationError);
    await expect(auth.updateServerAccount(42)).rejects.toThrow(IBCValidationError);
    expect(await sim.control.requests()).toEqual([]);
    await expect(auth.updateServerAccount('DU1234567')).resolves.toMatchObject({ set: true, acctId: 'DU1234567' });
  });

  it('ssoValidate(), tickle(), reauthenticate(), logout(): parsed answers', async () => {
    const { sim, auth } = await simulated();
    await expect(auth.reauthenticate()).resolves.toEqual({ error: 'not logged in' });
    await loggedIn(sim);
    await expect(auth.ssoValidate()).resolves.toMatchObject({ USER_NAME: expect.any(String), RESULT: true });
    // As the seed: the auth status, with the tickle's own answer beside it.
    await expect(auth.tickle()).resolves.toMatchObject({
      authenticated: true,
      connected: true,
      competing: false,
      tickle: { session: expect.stringMatching(/^[0-9a-f]{32}$/), ssoExpires: expect.any(Number) },
    });
    await expect(auth.reauthenticate()).resolves.toEqual({ message: 'triggered' });
    await auth.checkAuth();
    await expect(auth.logout()).resolves.toMatchObject({ status: true });
    expect(auth.authenticated).toBe(false);
  });

  it('checkAuth(): updates the flag, and is quiet when the gateway cannot be reached', async () => {
    const { sim, auth } = await simulated();
    await loggedIn(sim);
    await expect(auth.checkAuth()).resolves.toBe(true);
    expect(auth.authenticated).toBe(true);
    await sim.stop();
    await expect(auth.checkAuth()).resolves.toBe(false);
    expect(auth.authenticated).toBe(false);
    expect(auth.lastState).toMatch(/no answer/);
  });
});
