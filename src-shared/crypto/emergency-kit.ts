/**
 * Emergency Kit (docs/design.md §1): the 32-byte root secret RS printed as 24 words.
 *
 * Encoding = BIP39 with the English word list (`@scure/bip39`): 256 bits of entropy + an 8-bit
 * checksum (first byte of SHA-256(RS)) = 264 bits = 24 words of 11 bits. Only the word encoding
 * of BIP39 is used — never its PBKDF2 seed derivation: the words ARE the root secret.
 *
 * Input is normalized before decoding: Unicode NFKD, lower case, any run of whitespace (spaces,
 * tabs, new lines) is one separator, leading/trailing whitespace ignored. Errors are
 * `KIT_INVALID` and say what is wrong (word count, which word position is unknown, or a failed
 * checksum) without repeating what was typed.
 *
 * The printed kit carries a version line ("Backbone Emergency Kit v1"); the words themselves have
 * no room for a version, so a future format must use a different word count or list.
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { BackboneError } from '../errors.js';
import { rootSecret, ROOT_SECRET_BYTES } from './identity.js';
import type { KdfKey } from './types.js';

export const EMERGENCY_KIT_VERSION = 1;
export const EMERGENCY_KIT_WORDS = 24;
export const EMERGENCY_KIT_TITLE = `Backbone Emergency Kit v${EMERGENCY_KIT_VERSION}`;

const WORD_INDEX = new Map<string, number>(wordlist.map((word, index) => [word, index]));

/** The 24 words of a root secret. */
export function emergencyKitWords(rs: KdfKey | Uint8Array): string[] {
  rootSecret(rs as Uint8Array);
  return entropyToMnemonic(rs, wordlist).split(' ');
}

/** The 24 words of a root secret as one line separated by single spaces. */
export function emergencyKitPhrase(rs: KdfKey | Uint8Array): string {
  return emergencyKitWords(rs).join(' ');
}

/** Normalizes typed or pasted kit words (NFKD, lower case, whitespace-split). */
export function normalizeEmergencyKitInput(input: string | readonly string[]): string[] {
  const text = typeof input === 'string' ? input : Array.isArray(input) ? input.join(' ') : null;
  if (typeof text !== 'string') {
    throw new BackboneError('KIT_INVALID', 'Enter the 24 words of your Emergency Kit.');
  }
  const normalized = text.normalize('NFKD').toLowerCase().trim();
  return normalized === '' ? [] : normalized.split(/\s+/u);
}

/**
 * Reads the root secret back from the 24 words. Throws `KIT_INVALID` for a wrong number of words,
 * an unknown word (named by position), or a checksum failure (a word is wrong or out of order).
 */
export function parseEmergencyKit(input: string | readonly string[]): KdfKey {
  const words = normalizeEmergencyKitInput(input);
  if (words.length !== EMERGENCY_KIT_WORDS) {
    throw new BackboneError(
      'KIT_INVALID',
      `An Emergency Kit has ${EMERGENCY_KIT_WORDS} words; ${words.length} ${words.length === 1 ? 'was' : 'were'} entered.`,
    );
  }
  const unknown = words.flatMap((word, i) => (WORD_INDEX.has(word) ? [] : [i + 1]));
  if (unknown.length > 0) {
    const list = unknown.length === 1 ? `Word ${unknown[0]} is` : `Words ${unknown.join(', ')} are`;
    throw new BackboneError(
      'KIT_INVALID',
      `${list} not in the Emergency Kit word list. Check the spelling against your printed kit.`,
    );
  }
  let entropy: Uint8Array;
  try {
    entropy = mnemonicToEntropy(words.join(' '), wordlist);
  } catch (cause) {
    throw new BackboneError(
      'KIT_INVALID',
      'The Emergency Kit checksum fails: at least one word is wrong or the words are out of order.',
      { cause },
    );
  }
  if (entropy.length !== ROOT_SECRET_BYTES) {
    throw new BackboneError('KIT_INVALID', 'This is not a Backbone Emergency Kit.');
  }
  return rootSecret(entropy);
}
