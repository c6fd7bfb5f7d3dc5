/**
 * The password policy both sides of the IPC contract apply: the renderer shows it as the user
 * types (strength meter), the app core enforces it when a password is set. zxcvbn-ts estimates
 * how many guesses an attacker needs (dictionaries, names, keyboard patterns, l33t, dates…).
 *
 * - shorter than 8 characters: refused;
 * - zxcvbn score below 3 ("weak"): refused unless the user insists (`acceptWeak`);
 * - score 3 or 4: fine.
 */
import { ZxcvbnFactory, type ZxcvbnResult } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

export const MIN_PASSWORD_LENGTH = 8;
export const STRONG_SCORE = 3;

export interface PasswordStrength {
  /** 0 (very weak) … 4 (very strong). */
  score: 0 | 1 | 2 | 3 | 4;
  /** Long enough and strong: accepted as is. */
  strong: boolean;
  /** Too short: refused even if the user insists. */
  tooShort: boolean;
  /** One short sentence about the main weakness, or null. */
  warning: string | null;
  suggestions: string[];
  /** How long an offline attacker would need at 10^4 guesses/s (Argon2id makes guesses slow). */
  crackTime: string;
}

export const STRENGTH_LABELS = ['Very weak', 'Weak', 'Fair', 'Strong', 'Very strong'] as const;

let factory: ZxcvbnFactory | undefined;

function zxcvbn(): ZxcvbnFactory {
  factory ??= new ZxcvbnFactory({
    translations: en.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...en.dictionary },
  });
  return factory;
}

/** Scores a password; `userInputs` are words the attacker may know (your name, username…). */
export function passwordStrength(
  password: string,
  userInputs: readonly string[] = [],
): PasswordStrength {
  const tooShort = [...password].length < MIN_PASSWORD_LENGTH;
  // zxcvbn's cost grows with length; its verdict does not change past 100 characters.
  const result: ZxcvbnResult = zxcvbn().check(
    password.slice(0, 100),
    userInputs.filter((input) => input.length > 0),
  );
  const score = result.score as PasswordStrength['score'];
  return {
    score,
    strong: !tooShort && score >= STRONG_SCORE,
    tooShort,
    warning: tooShort
      ? `Use at least ${MIN_PASSWORD_LENGTH} characters.`
      : (result.feedback.warning ?? null),
    suggestions: [...result.feedback.suggestions],
    crackTime: result.crackTimes.offlineSlowHashingXPerSecond.display,
  };
}
