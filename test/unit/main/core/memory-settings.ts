/** Settings kept in memory, for tests that need a SettingsStore without a file. */
import type { SettingsBackend } from '../../../../src/main/core/settings-file.js';

export function memorySettingsBackend(initial?: unknown): SettingsBackend & { data: unknown } {
  const backend = {
    path: '(memory)',
    data: initial,
    read: (): unknown => backend.data,
    write: (data: unknown): void => {
      backend.data = structuredClone(data);
    },
  };
  return backend;
}
