/**
 * A script can `import { InteractiveBrokersAuthentication } from 'ibkr-tray'`: package.json's
 * `exports` and `types` point at the built entry point (self-reference works in Node when the
 * package name matches). Needs the build (`npm run build`; `npm test` builds first).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const BUILT = path.join(ROOT, 'out/main/index.js');

describe("the public entry point 'ibkr-tray'", () => {
  it('is built (run `npm run build` first)', () => {
    expect(fs.existsSync(BUILT), `${BUILT} is missing: run npm run build`).toBe(true);
  });

  it("import('ibkr-tray') in plain Node gives the seed API, the engine and the errors", () => {
    const script = `
      const m = await import('ibkr-tray');
      const auth = new m.InteractiveBrokersAuthentication({ client: { baseUrl: 'https://localhost:5000' } });
      const refused = await auth.waitForLogin(-1).catch((e) => e);
      console.log(JSON.stringify({
        names: Object.keys(m).sort(),
        refused: refused instanceof m.IBCValidationError,
        defaults: m.WAIT_FOR_LOGIN_DEFAULTS,
      }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    const seen = JSON.parse(out) as { names: string[]; refused: boolean; defaults: unknown };
    expect(seen.names).toEqual(
      expect.arrayContaining([
        'InteractiveBrokersAuthentication',
        'createEngine',
        'createGatewayClient',
        'ProcessGatewaySupervisor',
        'GatewayError',
        'GatewayStartError',
        'IBCAuthenticationError',
        'IBCValidationError',
      ]),
    );
    expect(seen.refused).toBe(true);
    expect(seen.defaults).toEqual({ timeoutMs: 300_000, pollIntervalMs: 3_000 });
  });

  it("TypeScript (NodeNext) resolves 'ibkr-tray' to the built declarations", () => {
    const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
    const resolved = ts.resolveModuleName('ibkr-tray', path.join(ROOT, 'scripts', 'probe.ts'), options, ts.sys, undefined, undefined, ts.ModuleKind.ESNext);
    expect(resolved.resolvedModule?.resolvedFileName).toBe(path.join(ROOT, 'out/main/index.d.ts'));
  });
});
