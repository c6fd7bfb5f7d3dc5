import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBackboneError, type ErrorCode } from '../errors.js';
import {
  EMERGENCY_KIT_TITLE,
  emergencyKitPhrase,
  emergencyKitWords,
  normalizeEmergencyKitInput,
  parseEmergencyKit,
} from './emergency-kit.js';
import { fromHex, toHex } from './encoding.js';
import { rootSecret } from './identity.js';
import { cryptoReady } from './sodium.js';

function expectCode(fn: () => unknown, code: ErrorCode): string {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown, code), `expected ${code}, got ${String(thrown)}`).toBe(true);
  return (thrown as Error).message;
}

await cryptoReady();

// BIP39 English test vectors for 256-bit entropy (trezor/python-mnemonic vectors.json).
const TREZOR = [
  ['00'.repeat(32), `${'abandon '.repeat(23)}art`],
  [
    '7f'.repeat(32),
    'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title',
  ],
  [
    '80'.repeat(32),
    'letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless',
  ],
  ['ff'.repeat(32), `${'zoo '.repeat(23)}vote`],
  [
    '68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c',
    'hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy gospel tennis maple dilemma loan word shrug inflict delay length',
  ],
] as const;

describe('Emergency Kit known answers (BIP39 English, 24 words)', () => {
  for (const [hex, phrase] of TREZOR) {
    it(`${hex.slice(0, 8)}… ↔ "${phrase.slice(0, 24)}…"`, () => {
      expect(emergencyKitPhrase(rootSecret(fromHex(hex)))).toBe(phrase);
      expect(emergencyKitWords(rootSecret(fromHex(hex)))).toHaveLength(24);
      expect(toHex(parseEmergencyKit(phrase))).toBe(hex);
    });
  }
  it('has a versioned title', () => {
    expect(EMERGENCY_KIT_TITLE).toBe('Backbone Emergency Kit v1');
  });
});

describe('parseEmergencyKit', () => {
  const phrase = TREZOR[4][1];
  const hex = TREZOR[4][0];

  it('normalizes case, whitespace and Unicode compatibility forms', () => {
    expect(toHex(parseEmergencyKit(`  ${phrase.toUpperCase().replace(/ /g, ' \n\t ')}  `))).toBe(
      hex,
    );
    expect(toHex(parseEmergencyKit(phrase.split(' ')))).toBe(hex);
    // full-width letters (as some input methods type them) fold to ASCII under NFKD
    const fullWidth = phrase.replace(/[a-z]/g, (c) =>
      String.fromCharCode(c.charCodeAt(0) + 0xfee0),
    );
    expect(toHex(parseEmergencyKit(fullWidth))).toBe(hex);
    expect(normalizeEmergencyKitInput('  A  b\u3000c ')).toEqual(['a', 'b', 'c']);
  });

  it('says how many words were entered when the count is wrong', () => {
    const words = phrase.split(' ');
    expect(
      expectCode(() => parseEmergencyKit(words.slice(0, 23).join(' ')), 'KIT_INVALID'),
    ).toMatch(/24 words; 23 were entered/);
    expect(expectCode(() => parseEmergencyKit(`${phrase} abandon`), 'KIT_INVALID')).toMatch(
      /25 were/,
    );
    expect(expectCode(() => parseEmergencyKit(''), 'KIT_INVALID')).toMatch(/0 were/);
    // 12- and 18-word BIP39 phrases are not kits
    expectCode(
      () =>
        parseEmergencyKit(
          'legal winner thank year wave sausage worth useful legal winner thank yellow',
        ),
      'KIT_INVALID',
    );
  });

  it('names the position of unknown words without echoing them', () => {
    const words = phrase.split(' ');
    words[6] = 'hamstr';
    const message = expectCode(() => parseEmergencyKit(words.join(' ')), 'KIT_INVALID');
    expect(message).toMatch(/Word 7 is not in the Emergency Kit word list/);
    expect(message).not.toMatch(/hamstr/);
    words[0] = 'xyz';
    expect(expectCode(() => parseEmergencyKit(words.join(' ')), 'KIT_INVALID')).toMatch(
      /Words 1, 7 are not/,
    );
  });

  it('reports a checksum failure for a valid word in the wrong place', () => {
    const words = phrase.split(' ');
    [words[0], words[1]] = [words[1]!, words[0]!];
    expect(expectCode(() => parseEmergencyKit(words.join(' ')), 'KIT_INVALID')).toMatch(
      /checksum fails/,
    );
    const last = TREZOR[0][1].split(' ');
    last[23] = 'abandon';
    expect(expectCode(() => parseEmergencyKit(last.join(' ')), 'KIT_INVALID')).toMatch(/checksum/);
  });

  it('the checksum catches nearly all one-word substitutions (exhaustive at one position)', () => {
    const words = phrase.split(' ');
    let accepted = 0;
    let tried = 0;
    for (const replacement of wordlist) {
      if (replacement === words[10]) continue;
      const copy = [...words];
      copy[10] = replacement;
      tried++;
      try {
        parseEmergencyKit(copy);
        accepted++;
      } catch (error) {
        expect(isBackboneError(error, 'KIT_INVALID')).toBe(true);
      }
    }
    expect(tried).toBe(2047);
    // an 8-bit checksum lets about 1/256 through (≈ 8); without a checksum all 2047 would pass
    expect(accepted).toBeLessThan(30);
  });

  it('property: random root secrets round-trip through the words', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const words = emergencyKitWords(rootSecret(bytes));
        expect(words).toHaveLength(24);
        expect(toHex(parseEmergencyKit(words))).toBe(toHex(bytes));
        expect(toHex(parseEmergencyKit(words.join('\n').toUpperCase()))).toBe(toHex(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('property: a single-bit change of the text is rejected unless it is only a case change', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.nat(),
        fc.integer({ min: 0, max: 6 }),
        (bytes, pos, bit) => {
          const text = emergencyKitPhrase(rootSecret(bytes));
          const i = pos % text.length;
          const mutated =
            text.slice(0, i) +
            String.fromCharCode(text.charCodeAt(i) ^ (1 << bit)) +
            text.slice(i + 1);
          const sameWords =
            normalizeEmergencyKitInput(mutated).join(' ') ===
            normalizeEmergencyKitInput(text).join(' ');
          let result: Uint8Array | undefined;
          try {
            result = parseEmergencyKit(mutated);
          } catch (error) {
            expect(isBackboneError(error, 'KIT_INVALID')).toBe(true);
            expect(sameWords).toBe(false);
            return;
          }
          if (sameWords) {
            expect(toHex(result)).toBe(toHex(bytes)); // e.g. 'a' → 'A': the same kit
          } else {
            // A different valid word list slipped through: possible only with a matching
            // checksum (probability ≈ 1/256 per changed word); never accepted without one.
            expect(validateMnemonic(normalizeEmergencyKitInput(mutated).join(' '), wordlist)).toBe(
              true,
            );
            expect(toHex(result)).not.toBe(toHex(bytes));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
