/**
 * What a user can ask the engine to do. Every shell sends these and nothing else; the controller
 * decides whether the current state allows it and answers with an IntentResult.
 * Parsed with zod wherever one crosses a process or network boundary (IPC, the web dashboard).
 */
import { z } from 'zod';
import { accountIdProblem } from './account-id.js';

/** An IBKR account id as the gateway knows it (account-id.ts), trimmed. */
export const AccountIdSchema = z
  .string()
  .trim()
  .superRefine((id, ctx) => {
    const problem = accountIdProblem(id);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  });

export const IntentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start-gateway') }),
  z.object({ type: z.literal('stop-gateway') }),
  z.object({ type: z.literal('log-in') }),
  z.object({ type: z.literal('cancel-login') }),
  z.object({ type: z.literal('log-out') }),
  z.object({ type: z.literal('select-account'), accountId: AccountIdSchema }),
  z.object({ type: z.literal('take-over') }),
  z.object({ type: z.literal('retry') }),
  z.object({ type: z.literal('refresh') }),
  z.object({ type: z.literal('set-gateway-folder'), folder: z.string().min(1).max(4096) }),
  z.object({
    type: z.literal('set-preference'),
    key: z.enum(['startAtLogin', 'notifications', 'startGatewayWithApp', 'stopGatewayOnQuit']),
    value: z.boolean(),
  }),
  // First run without homework (issue 15): the engine downloads what is missing, one install at a time.
  z.object({ type: z.literal('install-gateway') }),
  z.object({ type: z.literal('install-java') }),
  z.object({ type: z.literal('cancel-install') }),
]);
export type Intent = z.infer<typeof IntentSchema>;
export type IntentType = Intent['type'];

/**
 * How a carried-out intent ended, for programs (exit codes, `--json`): `done` when it was carried out
 * and confirmed; `unconfirmed` when it took effect here but the gateway did not confirm it (a logout
 * whose request failed). Absent means `done`. `message` is for people only: never match on it.
 */
export type IntentOutcome = 'done' | 'unconfirmed';

/** The answer to an intent: done, or refused with a reason the user can act on. */
export type IntentResult =
  | { readonly ok: true; readonly outcome?: IntentOutcome; readonly message?: string }
  | { readonly ok: false; readonly reason: string };

/** Whether a successful intent was confirmed (an absent outcome is `done`). */
export function isConfirmed(result: IntentResult & { readonly ok: true }): boolean {
  return (result.outcome ?? 'done') === 'done';
}
