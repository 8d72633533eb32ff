/**
 * Names compare without case: "paper" and "Paper" are one profile (their state folders would be one
 * folder on macOS and Windows, and a user typing `--profile paper` means "Paper"). A leaf, so that the
 * rules about profiles (settings.ts, profile-port.ts, the shells) share it without importing each other.
 */
export function profileKey(name: string): string {
  return name.trim().toLowerCase();
}
