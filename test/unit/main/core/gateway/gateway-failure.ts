/** The GatewayError a promise rejects with (the test fails when it resolves or rejects otherwise). */
import { expect } from 'vitest';
import { GatewayError } from '../../../../../src/main/core/errors.js';

export async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}
