/** What the UI says when something fails: the core's message (it says what to do), never internals. */
import { isBackboneError } from '../../src-shared/errors.js';

export interface UiError {
  code: string;
  message: string;
}

export function toUiError(error: unknown): UiError {
  if (isBackboneError(error)) return { code: error.code, message: error.message };
  return {
    code: 'INTERNAL',
    message:
      'Something went wrong talking to the Backbone app core. Try again; if it persists, restart Backbone.',
  };
}

/** Codes that mean the server served something that does not verify: shown loudly. */
export const VERIFICATION_CODES = new Set([
  'MEMBERSHIP_FORK',
  'MEMBERSHIP_ROLLBACK',
  'MEMBERSHIP_BAD_SIGNATURE',
  'MEMBERSHIP_BROKEN_CHAIN',
  'MEMBERSHIP_WRONG_WORKSPACE',
  'SERVER_KEY_CHANGED',
  'SERVER_PROOF_INVALID',
]);
