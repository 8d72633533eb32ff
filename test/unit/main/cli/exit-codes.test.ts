import { describe, expect, it } from 'vitest';
import { GatewayError, GatewayStartError, IBCAuthenticationError, IBCValidationError } from '../../../../src/main/core/errors.js';
import { CommandFailure, ExitCode, exitCodeForError, exitCodeForState, isExpectedFailure } from '../../../../src/main/cli/exit-codes.js';
import { SESSION_KINDS } from '../../../../src/shared/snapshot.js';

describe('exit codes', () => {
  it('are the documented numbers', () => {
    expect(ExitCode).toEqual({ ok: 0, usage: 1, notReady: 2, unreachable: 3, timedOut: 4, rateLimited: 5, certificateChanged: 6 });
  });

  it.each([
    ['unreachable', 3],
    ['not-responding', 3],
    ['not-authenticated', 2],
    ['no-session', 2],
    ['rate-limited', 5],
    ['ibkr-error', 2],
    ['unexpected-answer', 2],
    ['certificate-changed', 6],
  ] as const)('a GatewayError %s exits %i', (kind, code) => {
    const error = new GatewayError(kind, 'x');
    expect(exitCodeForError(error)).toBe(code);
    expect(isExpectedFailure(error)).toBe(true);
  });

  it('maps the seed API and start failures', () => {
    expect(exitCodeForError(new IBCValidationError('empty'))).toBe(1);
    expect(exitCodeForError(new IBCAuthenticationError('no pid'))).toBe(2);
    expect(exitCodeForError(new GatewayStartError('no-folder', 'x'))).toBe(1);
    expect(exitCodeForError(new GatewayStartError('port-taken', 'x'))).toBe(3);
    expect(exitCodeForError(new CommandFailure(ExitCode.timedOut, 'x'))).toBe(4);
  });

  it('treats anything else as a bug (exit 1, not expected: its stack is printed)', () => {
    expect(exitCodeForError(new TypeError('oops'))).toBe(1);
    expect(isExpectedFailure(new TypeError('oops'))).toBe(false);
  });

  it('gives 0 only for a ready session', () => {
    for (const kind of SESSION_KINDS) expect(exitCodeForState(kind) === 0).toBe(kind === 'ready');
    expect(exitCodeForState('login-required')).toBe(2);
    expect(exitCodeForState('competing')).toBe(2);
    expect(exitCodeForState('stopped')).toBe(3);
    expect(exitCodeForState('not-responding')).toBe(3);
    expect(exitCodeForState('rate-limited')).toBe(5);
  });
});
