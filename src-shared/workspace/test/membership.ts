/**
 * Shared fixtures of the membership-log tests: a cast of people with real identities, a `Log` that
 * keeps entries and state in step, `forge` (what a malicious server or a stolen key could post) and a
 * realistic reference log.
 */
import { expect } from 'vitest';
import {
  cryptoReady,
  deriveIdentity,
  randomBytes,
  rootSecret,
  signStatement,
  type Identity,
} from '../../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../../errors.js';
import { createInvitation, parseInvitation, type Invitation } from '../invitation.js';
import {
  applyEntry,
  createEntry,
  createGenesis,
  createUserAdd,
  createUserRemoval,
  type AuthorKeys,
  type EntryType,
  type MembershipEntry,
  type MembershipState,
} from '../membership-log.js';
import { memberNamingKey, type NamingKey } from '../naming-key.js';
import type { Permission } from '../permissions.js';

export function expectCode(fn: () => unknown, code: ErrorCode | ErrorCode[]): BackboneErrorLike {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  const codes = Array.isArray(code) ? code : [code];
  expect(
    codes.some((c) => isBackboneError(thrown, c)),
    `expected ${codes.join('|')}, got ${String(thrown)}`,
  ).toBe(true);
  return thrown as BackboneErrorLike;
}
export interface BackboneErrorLike {
  code: string;
  message: string;
}

await cryptoReady();

export interface Person {
  name: string;
  identity: Identity;
  author: AuthorKeys;
  invitation: Invitation;
}

export function person(name: string): Person {
  const identity = deriveIdentity(rootSecret(randomBytes(32)));
  return {
    name,
    identity,
    author: { name, signKeyPair: identity.signKeyPair },
    invitation: parseInvitation(createInvitation(identity, name)),
  };
}

export const alice = person('alice'); // creator, ROOT
export const bob = person('bob'); // USER_MANAGE admin
export const carol = person('carol');
export const dave = person('dave');
export const erin = person('erin');
export const mallory = person('mallory');

export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Keeps a log and its state in step. */
export class Log {
  entries: MembershipEntry[] = [];
  state: MembershipState;
  namingKey: NamingKey;

  constructor(creator: Person = alice, displayName = 'Acme team') {
    const genesis = createGenesis({
      displayName,
      creator: { ...creator.author, boxPublicKey: creator.identity.boxKeyPair.publicKey },
    });
    this.entries.push(genesis.entry);
    this.state = genesis.state;
    this.namingKey = genesis.namingKey;
  }

  push(entry: MembershipEntry): MembershipEntry {
    this.state = applyEntry(this.state, entry);
    this.entries.push(entry);
    return entry;
  }

  add(who: Person, permissions: Permission[], by: Person = alice): MembershipEntry {
    const { key } = memberNamingKey(this.state, by.name, by.identity.boxKeyPair);
    return this.push(
      createUserAdd(this.state, {
        invitation: who.invitation,
        permissions,
        namingKey: key,
        author: by.author,
      }),
    );
  }

  permissions(who: Person, permissions: Permission[], by: Person = alice): MembershipEntry {
    return this.push(
      createEntry(this.state, 'user.permissions', { name: who.name, permissions }, by.author),
    );
  }

  remove(who: Person, by: Person = alice): MembershipEntry[] {
    const removal = createUserRemoval(this.state, who.name, by.author);
    for (const entry of removal.entries) this.push(entry);
    if (removal.namingKey) this.namingKey = removal.namingKey;
    return removal.entries;
  }
}

/**
 * Signs an entry exactly as documented, with no rule check: what a malicious server (with a
 * stolen key) or a buggy client could post.
 */
export function forge(
  state: MembershipState,
  type: EntryType,
  body: unknown,
  by: Person,
  overrides: { workspace?: string; seq?: number; prev?: string } = {},
): MembershipEntry {
  const fields = {
    workspace: overrides.workspace ?? state.workspaceId,
    seq: overrides.seq ?? state.head.seq + 1,
    prev: overrides.prev ?? state.head.hash,
    type,
    author: by.name,
    body: body as never,
  };
  const statement = signStatement('membership.entry', 1, fields, by.identity.signKeyPair);
  return { v: 1, ...fields, sig: statement.sig } as MembershipEntry;
}

/** genesis → bob (USER_MANAGE) → carol, dave, erin → permission changes → remove dave → rotate. */
export function realisticLog(): Log {
  const log = new Log();
  log.add(bob, ['USER_MANAGE', 'STORE_USE', 'STORE_SHARE']); // 1
  log.add(carol, ['STORE_USE'], bob); // 2
  log.add(dave, ['USER_MANAGE', 'STORE_USE'], bob); // 3
  log.add(erin, ['STORE_USE'], alice); // 4
  log.permissions(carol, ['STORE_USE', 'STORE_SHARE'], bob); // 5
  log.permissions(dave, ['STORE_USE'], alice); // 6
  log.remove(dave, bob); // 7 remove, 8 rotate
  log.permissions(erin, ['USER_MANAGE', 'STORE_USE'], alice); // 9
  return log;
}

export const reference = realisticLog();
