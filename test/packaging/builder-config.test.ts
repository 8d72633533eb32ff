/**
 * electron-builder.yml and package.json, read by electron-builder's own loader: what the installers
 * need that the `dir` packaging check (asar.test.ts) cannot see, because here no deb or AppImage can
 * be built (fpm and the AppImage runtime are downloads).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { normalizePackageData } from 'app-builder-lib/out/util/normalizePackageData.js';
import { DebugLogger } from 'builder-util/out/DebugLogger.js';
import type { Configuration } from 'app-builder-lib';

const projectDir = path.resolve(import.meta.dirname, '../..');

/** Electron's own runtime libraries on Debian and Ubuntu: electron-builder's deb default, which `depends` replaces. */
const ELECTRON_DEB_LIBRARIES = [
  'libgtk-3-0',
  'libnotify4',
  'libnss3',
  'libxss1',
  'libxtst6',
  'xdg-utils',
  'libatspi2.0-0',
  'libuuid1',
  'libsecret-1-0',
];

async function builderConfig(): Promise<Configuration> {
  return getConfig(projectDir, 'electron-builder.yml', null);
}

describe('electron-builder.yml', () => {
  it('passes electron-builder\'s own schema', async () => {
    await expect(validateConfiguration(await builderConfig(), new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('makes the deb depend on Java and on every library Electron needs', async () => {
    const depends = (await builderConfig()).deb?.depends;
    expect(Array.isArray(depends)).toBe(true);
    const list = (depends ?? []) as readonly string[];
    // The gateway is a Java program: any Java runtime will do.
    expect(list.some((entry) => /\bdefault-jre\b/.test(entry) && /\bjava-runtime\b/.test(entry))).toBe(true);
    for (const library of ELECTRON_DEB_LIBRARIES) expect(list, `deb.depends lacks ${library}`).toContain(library);
  });

  it('points at icons that exist for every installer', async () => {
    const config = await builderConfig();
    const icons = [config.linux?.icon, config.mac?.icon, config.win?.icon];
    expect(icons.every((icon) => typeof icon === 'string')).toBe(true);
    for (const icon of icons) expect(existsSync(path.join(projectDir, String(icon))), `${icon} is missing`).toBe(true);
  });
});

describe('package.json metadata the Linux installers require', () => {
  // The deb target refuses to build without a maintainer (the author's name and email) and a homepage.
  const metadata = JSON.parse(readFileSync(path.join(projectDir, 'package.json'), 'utf8')) as Record<string, unknown>;
  normalizePackageData(metadata);

  it('has an author with a name and an email, as electron-builder reads it', () => {
    const author = metadata['author'] as { name?: string; email?: string } | undefined;
    expect(author?.name?.trim()).toBeTruthy();
    expect(author?.email).toMatch(/^[^@\s]+@[^@\s]+$/);
  });

  it('has a homepage that is an https address', () => {
    expect(typeof metadata['homepage']).toBe('string');
    expect(new URL(String(metadata['homepage'])).protocol).toBe('https:');
  });
});
