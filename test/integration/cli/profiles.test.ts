/**
 * The built command with two profiles on two simulators (issue 17): `profile add`, `status` of
 * every profile with the worst exit code, `--profile` for the rest, `profile remove`.
 */
import { describe, expect, it } from 'vitest';
import { makeGatewayFolder } from '../../sim/gateway-folder.js';
import { readSettings, run, writeSettings } from './command.js';
import { cliFixtures, logIn } from './fixtures.js';

const fx = cliFixtures();

describe('ibkr-tray with two profiles', () => {
  it('log in on one only: status shows it ready and the other login required, exit code the worst', async () => {
    const live = await fx.simulator();
    const paper = await fx.simulator();
    const dir = fx.configDir();
    const liveFolder = await makeGatewayFolder();
    const paperFolder = await makeGatewayFolder();
    try {
      writeSettings(dir, { gatewayFolder: liveFolder.dir, gatewayUrl: live.url });
      const added = await run(['profile', 'add', 'Paper', '--dir', paperFolder.dir, '--port', String(paper.port)], { configDir: dir });
      expect(added.code).toBe(0);
      // The same folder again is refused with the reason.
      const twice = await run(['profile', 'add', 'Other', '--dir', paperFolder.dir], { configDir: dir });
      expect(twice.code).toBe(1);
      expect(twice.stderr).toMatch(/already the gateway of the profile "Paper"/);

      await logIn(live);
      const status = await run(['status'], { configDir: dir });
      expect(status.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^Gateway: ready/), expect.stringMatching(new RegExp(`^Paper: login required.*:${paper.port}$`))]);
      expect(status.code).toBe(2);

      const ambiguous = await run(['accounts'], { configDir: dir });
      expect(ambiguous.code).toBe(1);
      expect(ambiguous.stderr).toMatch(/--profile NAME/);
      expect((await run(['--profile', 'gateway', 'status'], { configDir: dir })).code).toBe(0);

      const removed = await run(['profile', 'remove', 'Paper'], { configDir: dir });
      expect(removed.code).toBe(0);
      // One profile again: everything as before profiles.
      const single = await run(['status'], { configDir: dir });
      expect(single.stdout).toMatch(/^ready/);
      expect(readSettings(dir).gatewayFolder).toBe(liveFolder.dir);
    } finally {
      await liveFolder.cleanup();
      await paperFolder.cleanup();
    }
  }, 60_000);
});
