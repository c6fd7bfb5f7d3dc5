import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  fromBase64Url,
  fromUtf8,
  sodium,
  toBase64Url,
  toHex,
  utf8,
  verifyDetached,
} from '../crypto/index.js';
import {
  GENESIS_PREV,
  applyEntries,
  applyEntry,
  entryHash,
  memberBySignKey,
  memberHas,
  memberPublicKeys,
  verifyGenesis,
  verifyLog,
  workspaceFingerprint,
} from './membership-log.js';
import { memberNamingKey } from './naming-key.js';
import { expectCode, alice, bob, carol, dave, erin, Log, reference } from './test/membership.js';

describe('a realistic log', () => {
  it('verifies from genesis and gives the expected members and permissions', () => {
    const state = verifyLog(reference.entries);
    expect(state.head.seq).toBe(9);
    expect(state.head.hash).toBe(entryHash(reference.entries[9]!));
    expect(state.genesisHash).toBe(entryHash(reference.entries[0]!));
    expect(state.displayName).toBe('Acme team');
    expect([...state.members.keys()].sort()).toEqual(['alice', 'bob', 'carol', 'erin']);
    expect(state.members.get('alice')!.permissions).toEqual(['ROOT']);
    expect(state.members.get('bob')!.permissions).toEqual([
      'USER_MANAGE',
      'STORE_USE',
      'STORE_SHARE',
    ]);
    expect(state.members.get('carol')!.permissions).toEqual(['STORE_USE', 'STORE_SHARE']);
    expect(state.members.get('erin')!.permissions).toEqual(['USER_MANAGE', 'STORE_USE']);
    expect(state.members.get('carol')!.addedAt).toBe(2);
    expect(state.namingKey).toEqual({
      generation: 2,
      check: state.namingKey.check,
      rotationPending: false,
    });
    expect(memberHas(state, 'alice', 'STORE_SHARE')).toBe(true); // ROOT implies all
    expect(memberHas(state, 'erin', 'STORE_SHARE')).toBe(false);
    expect(memberHas(state, 'dave', 'STORE_USE')).toBe(false);
  });

  it('survives a JSON round trip (what the server stores and serves)', () => {
    const state = verifyLog(JSON.parse(JSON.stringify(reference.entries)) as unknown[]);
    expect(state.head).toEqual(reference.state.head);
  });

  it('verifies incrementally to the same state', () => {
    const genesis = verifyGenesis(reference.entries[0]);
    const state = applyEntries(genesis, reference.entries.slice(1));
    expect(state.head).toEqual(verifyLog(reference.entries).head);
  });

  it('accepts a log that extends the pinned genesis and head', () => {
    const pinned = verifyLog(reference.entries.slice(0, 5));
    const state = verifyLog(reference.entries, {
      pinnedGenesisHash: pinned.genesisHash,
      pinnedHead: pinned.head,
    });
    expect(state.head.seq).toBe(9);
    // the same head is also fine
    expect(verifyLog(reference.entries, { pinnedHead: reference.state.head }).head.seq).toBe(9);
  });

  it('gives every remaining member the same rotated naming key, and the removed one none', () => {
    const state = reference.state;
    const keys = [alice, bob, carol, erin].map((who) =>
      toHex(memberNamingKey(state, who.name, who.identity.boxKeyPair).key),
    );
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toBe(toHex(reference.namingKey));
    const rotation = reference.entries[8]!;
    expect(rotation.type).toBe('naming.rotate');
    const wrapped = Object.values((rotation.body as { keys: Record<string, string> }).keys);
    expect(wrapped).toHaveLength(4);
    for (const sealed of wrapped) {
      expect(() =>
        sodium().crypto_box_seal_open(
          fromBase64Url(sealed),
          dave.identity.boxKeyPair.publicKey,
          dave.identity.boxKeyPair.secretKey,
        ),
      ).toThrow();
    }
    // The generation-1 key that dave knew differs from the current one.
    const first = verifyLog(reference.entries.slice(0, 4));
    const old = memberNamingKey(first, 'dave', dave.identity.boxKeyPair).key;
    expect(toHex(old)).not.toBe(keys[0]);
  });

  it('takes public keys from the verified state only, as copies', () => {
    const keys = memberPublicKeys(reference.state, 'carol');
    expect(toHex(keys.signPk)).toBe(toHex(carol.identity.signKeyPair.publicKey));
    expect(toHex(keys.boxPk)).toBe(toHex(carol.identity.boxKeyPair.publicKey));
    expect(keys.address).toMatch(/^bb1[a-z2-7]{32}$/);
    expect(keys.safetyNumber).toMatch(/^\d{5}( \d{5}){11}$/);
    keys.boxPk[0]! ^= 1;
    expect(toHex(memberPublicKeys(reference.state, 'carol').boxPk)).toBe(
      toHex(carol.identity.boxKeyPair.publicKey),
    );
    expectCode(() => memberPublicKeys(reference.state, 'dave'), 'MEMBERSHIP_UNKNOWN_MEMBER');
    expectCode(() => memberPublicKeys(reference.state, 'nobody'), 'MEMBERSHIP_UNKNOWN_MEMBER');
    expect(memberBySignKey(reference.state, carol.identity.signKeyPair.publicKey)?.name).toBe(
      'carol',
    );
    expect(memberBySignKey(reference.state, dave.identity.signKeyPair.publicKey)).toBeUndefined();
  });

  it('has a human workspace fingerprint', () => {
    const fingerprint = workspaceFingerprint(reference.state.genesisHash);
    expect(fingerprint).toMatch(/^\d{5}( \d{5}){11}$/);
    expect(workspaceFingerprint(reference.state.genesisHash)).toBe(fingerprint);
    expect(workspaceFingerprint(new Log().state.genesisHash)).not.toBe(fingerprint);
    expectCode(() => workspaceFingerprint('abc'), 'INVALID_ARGUMENT');
  });

  it('does not change the state it is applied to', () => {
    const before = reference.entries.slice(0, 3);
    const state = verifyLog(before);
    const snapshot = { head: state.head, members: [...state.members.keys()] };
    applyEntry(state, reference.entries[3]);
    expect(state.head).toEqual(snapshot.head);
    expect([...state.members.keys()]).toEqual(snapshot.members);
    // a failing entry leaves it unchanged too
    expectCode(
      () => applyEntries(state, [reference.entries[3], reference.entries[5]]),
      'MEMBERSHIP_BROKEN_CHAIN',
    );
    expect(state.head).toEqual(snapshot.head);
  });
});

describe('the documented format', () => {
  it('signs "backbone/membership.entry/v1\\n" ‖ JCS({workspace, seq, prev, type, author, body})', () => {
    const entry = reference.entries[2]!;
    const signed = `backbone/membership.entry/v1\n${canonicalJson({
      workspace: entry.workspace,
      seq: entry.seq,
      prev: entry.prev,
      type: entry.type,
      author: entry.author,
      body: entry.body,
    })}`;
    expect(
      verifyDetached(fromBase64Url(entry.sig), utf8(signed), bob.identity.signKeyPair.publicKey),
    ).toBe(true);
    expect(Object.keys(entry).sort()).toEqual(
      ['author', 'body', 'prev', 'seq', 'sig', 'type', 'v', 'workspace'].sort(),
    );
  });

  it('chains prev = BLAKE2b-256("backbone/membership.hash/v1\\n" ‖ JCS(previous entry))', () => {
    for (let i = 1; i < reference.entries.length; i++) {
      const previous = reference.entries[i - 1]!;
      const hash = sodium().crypto_generichash(
        32,
        utf8(`backbone/membership.hash/v1\n${canonicalJson(previous)}`),
        null,
      );
      expect(reference.entries[i]!.prev).toBe(toBase64Url(hash));
      expect(reference.entries[i]!.seq).toBe(i);
    }
    expect(reference.entries[0]!.prev).toBe(GENESIS_PREV);
    expect(toHex(fromBase64Url(GENESIS_PREV))).toBe('00'.repeat(32));
  });

  it('makes entries that are plain JSON with base64url binary', () => {
    for (const entry of reference.entries) {
      expect(JSON.parse(JSON.stringify(entry))).toEqual(entry);
      expect(entry.sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
    }
    expect(fromUtf8(utf8(JSON.stringify(reference.entries)))).toBe(
      JSON.stringify(reference.entries),
    );
  });
});
