/**
 * What an IBKR account id looks like, without zod: the command's argument parser checks `use ID` with
 * it before loading anything else, and intents.ts builds AccountIdSchema on the same function.
 */

/** An IBKR account id as the gateway knows it: letters and digits, e.g. U1234567, DU1234567, F1234567. */
const ACCOUNT_ID = /^[A-Za-z0-9._-]+$/;
const MAX_LENGTH = 32;

/** Why `id` (already trimmed) is not an account id, in the user's words; null when it is one. */
export function accountIdProblem(id: string): string | null {
  if (id.length === 0) return 'the account id is empty';
  if (id.length > MAX_LENGTH) return 'the account id is too long';
  if (!ACCOUNT_ID.test(id)) return 'an account id has only letters and digits (e.g. U1234567)';
  return null;
}
