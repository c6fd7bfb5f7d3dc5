/**
 * What a revocation means for the revoked member, in sentences for the Sharing dialog. Based on
 * what the rotation did (`RotationReport`) and the store after it (`RevokeOutcome`), and on what a
 * revocation can and cannot do (docs/design.md §4, docs/store.md "Taking access away"):
 *
 * - a namespace gets new keys (with every namespace below it that inherits from it); entries keep
 *   their keys and ciphertexts, only their key envelopes are sealed to the new keys — so later
 *   writes are out of reach, but a device that kept the old keys can still open the values that
 *   are not changed afterwards;
 * - one shared entry is re-encrypted under a new key (a new version with the same value);
 * - nobody can be made to forget what they already read.
 */
import type { AccessBit } from '../../../src-shared/store/index.js';
import type { RevokeOutcome } from '../../../src-shared/sdk/vault.js';

const MAX_LISTED = 10;

function list(paths: readonly string[]): string {
  const shown = paths.slice(0, MAX_LISTED).join(', ');
  return paths.length > MAX_LISTED ? `${shown} and ${paths.length - MAX_LISTED} more` : shown;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

const LOST_BIT: Record<Exclude<AccessBit, 'READ'>, (where: string) => string> = {
  WRITE: (where) => `Add or change values in ${where} (the server and every app refuse it).`,
  DELETE: (where) => `Delete values or folders in ${where}.`,
  EJECT: (where) => `Take anyone’s access to ${where} away.`,
};

export function explainRevocation(
  outcome: RevokeOutcome,
  target: { path: string; kind: 'namespace' | 'entry' },
): { cannot: string[]; canStill: string[] } {
  const { report, before, after } = outcome;
  const lost = before.filter((bit) => !after.includes(bit));
  const where =
    target.kind === 'entry'
      ? target.path
      : target.path === ''
        ? 'the whole store'
        : `${target.path}/`;
  const cannot: string[] = [];
  const canStill: string[] = [];

  if (lost.includes('READ')) {
    if (target.kind === 'entry') {
      const version = report.reencrypted?.version;
      cannot.push(
        `Read ${where} from now on, or any later change of it: it was re-encrypted under a new key${version !== undefined ? ` (now version ${version})` : ''}.`,
      );
    } else {
      const below = report.rotated.length - 1;
      cannot.push(
        `Read anything written to ${where} from now on: new and changed values, new folders and their names. ${where} got new keys${below > 0 ? `, and so did the ${plural(below, 'folder', 'folders')} below it that inherit from it` : ''}.`,
      );
      if (report.resealedEntries.length > 0) {
        cannot.push(
          `Get the keys of the ${plural(report.resealedEntries.length, 'current value', 'current values')} in ${where} from the server: they are now sealed only to the new keys.`,
        );
      }
    }
  }
  for (const bit of lost) {
    if (bit !== 'READ') cannot.push(LOST_BIT[bit](where));
  }
  if (lost.length === 0) {
    cannot.push(
      'Nothing more than before: the removed grant gave them no access that still counted.',
    );
  }

  if (target.kind === 'entry') {
    canStill.push(
      `The value of ${where} if they read or copied it before (they may have kept it): re-encrypting changes its key, not the value. Change the secret itself if that matters.`,
    );
  } else {
    canStill.push(
      'Values they already read or copied before (they may have kept them). Change a secret if that matters.',
    );
    if (report.resealedEntries.length > 0 && lost.includes('READ')) {
      canStill.push(
        `The current values of the ${plural(report.resealedEntries.length, 'entry', 'entries')} in ${where}, if their device kept the old keys: a revocation does not re-encrypt values, so each stays readable that way until someone changes it.`,
      );
    }
  }
  if (outcome.stillReadable.length > 0) {
    canStill.push(
      `What they still reach through other grants here: ${list(outcome.stillReadable)}.`,
    );
  }
  if (outcome.elsewhere.length > 0 || outcome.elsewhereHidden > 0) {
    const hidden =
      outcome.elsewhereHidden > 0
        ? `${outcome.elsewhere.length > 0 ? ' and ' : ''}${plural(outcome.elsewhereHidden, 'share', 'shares')} whose names you cannot see`
        : '';
    canStill.push(
      `What was shared with them outside ${where}: ${list(outcome.elsewhere)}${hidden}. Those shares are unchanged.`,
    );
  }
  canStill.push(
    'What every member using the store sees: that records exist, when they change, who wrote them and their size class — and whether a path they guess exists (they still hold the workspace naming key).',
  );
  return { cannot, canStill };
}
