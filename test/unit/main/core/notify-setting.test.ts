/** The tray app's `notifyUrl` setting: off by default, checked by the same rule as --notify. */
import { describe, expect, it } from 'vitest';
import { SettingsStore, defaultSettings } from '../../../../src/main/core/settings.js';
import { memorySettingsBackend } from './memory-settings.js';

describe('the notifyUrl setting', () => {
  it('is off (null) by default', () => {
    expect(defaultSettings().notifyUrl).toBeNull();
  });

  it.each(['https://hooks.example.com/ibkr', 'https://ntfy.sh/my-topic', 'ntfy+http://ntfy.lan/alerts'])('accepts %s', (url) => {
    const store = SettingsStore.open(memorySettingsBackend());
    expect(store.update({ notifyUrl: url }).notifyUrl).toBe(url);
  });

  it.each(['ftp://example.com', 'hooks.example.com', 'https://ntfy.sh/'])('refuses %s in one line and keeps the previous value', (url) => {
    const backend = memorySettingsBackend();
    const store = SettingsStore.open(backend);
    store.update({ notifyUrl: 'https://hooks.example.com/ibkr' });
    expect(() => store.update({ notifyUrl: url })).toThrow(/notifyUrl|webhook/);
    expect(store.get().notifyUrl).toBe('https://hooks.example.com/ibkr');
  });

  it('a hand-edited file with a bad notifyUrl does not stop the app', () => {
    const store = SettingsStore.open(memorySettingsBackend({ notifyUrl: 42 }));
    expect(store.get().notifyUrl).toBeNull();
    expect(store.notices().length).toBeGreaterThan(0);
  });
});
