/** What the UI says when something fails: the core's message (it says what to do), never internals. */
import { isBackboneError } from '../../src-shared/errors.js';

export interface UiError {
  code: string;
  message: string;
}

const UNEXPECTED =
  'Something went wrong talking to the Backbone app core. Try again; if it persists, restart Backbone.';

/** A typed error's code and message; anything else gets `unexpected` (never its own text). */
export function toUiError(error: unknown, unexpected: string = UNEXPECTED): UiError {
  if (isBackboneError(error)) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: unexpected };
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
