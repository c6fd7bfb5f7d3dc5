/** Enforces the shared password policy (src-shared/ipc/password-strength.ts) in the core. */
import { BackboneError } from '../../../src-shared/errors.js';
import {
  MIN_PASSWORD_LENGTH,
  passwordStrength,
} from '../../../src-shared/ipc/password-strength.js';

export function enforcePasswordPolicy(
  password: string,
  acceptWeak: boolean,
  userInputs: readonly string[] = [],
): void {
  const strength = passwordStrength(password, userInputs);
  if (strength.tooShort) {
    throw new BackboneError(
      'PASSWORD_TOO_WEAK',
      `The password is too short. Use at least ${MIN_PASSWORD_LENGTH} characters — a few unrelated words work well.`,
    );
  }
  if (!strength.strong && !acceptWeak) {
    throw new BackboneError(
      'PASSWORD_TOO_WEAK',
      `This password is easy to guess${strength.warning ? ` (${strength.warning.replace(/\.$/, '')})` : ''}. Choose a stronger one, or confirm that you want to use it anyway.`,
    );
  }
}
