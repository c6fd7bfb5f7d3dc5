import { describe, expect, it } from 'vitest';
import { aeadDecrypt, cryptoReady, fromBase64Url, fromUtf8, toBase64Url } from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import {
  deleteEntry,
  entryAssociatedData,
  readEntry,
  readEntryText,
  sealEntryRecord,
  writeEntry,
} from './entries.js';
import { newLocator } from './envelopes.js';
import { grantAccess } from './grants.js';
import { createNamespace, createRootNamespace } from './namespaces.js';
import { unpadValue } from './padding.js';
import { pathToken } from './paths.js';
import { KeyResolver } from './chain.js';
import { analyzeStore } from './access.js';
import type { EntryRecord } from './records.js';
import { person, World, type Person } from './test-kit.js';

await cryptoReady();

function expectCode(fn: () => unknown, code: ErrorCode): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isBackboneError(thrown) ? thrown.code : String(thrown)).toBe(code);
}

interface Setup {
  w: World;
  alice: Person;
  bob: Person;
  carol: Person;
}

function setup(): Setup {
  const alice = person('alice');
  const bob = person('bob');
  const carol = person('carol');
  const w = new World(alice);
  w.add(bob, ['STORE_USE']);
  w.add(carol, ['STORE_USE', 'STORE_SHARE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  w.commit(createNamespace(w.ctx(alice), w.view, { path: 'team' }));
  return { w, alice, bob, carol };
}

function write(w: World, who: Person, path: string, value: string): EntryRecord {
  const result = writeEntry(w.ctx(who), w.view, { path, value });
  w.commit(result.change);
  return result.record;
}

function tokenOf(w: World, who: Person, path: string): string {
  return pathToken(w.ctx(who).namingKey, path);
}

describe('writing and reading entries', () => {
  it('round-trips a value; the record shows only the padded size', () => {
    const { w, alice } = setup();
    const record = write(w, alice, 'team/aws/root', 'hunter2');
    expect(record.version).toBe(1);
    expect(record.writer).toBe('alice');
    expect(fromBase64Url(record.ciphertext)).toHaveLength(65 + 40);
    expect(JSON.stringify(record)).not.toContain('hunter2');
    expect(JSON.stringify(record)).not.toContain('team/aws');
    const read = readEntry(w.ctx(alice), w.view, 'team/aws/root');
    expect(fromUtf8(read.value)).toBe('hunter2');
    expect(read).toMatchObject({ version: 1, writer: 'alice', path: 'team/aws/root' });
  });

  it('each write bumps the version and uses a fresh entry key', () => {
    const { w, alice } = setup();
    const first = write(w, alice, 'team/x', 'one');
    const resolver = new KeyResolver(analyzeStore(w.view, w.state), alice.actor);
    const firstKey = resolver.entryKey(first).key.slice();
    const second = write(w, alice, 'team/x', 'two');
    expect(second.version).toBe(2);
    expect(second.id).toBe(first.id);
    expect(readEntryText(w.ctx(alice), w.view, 'team/x')).toBe('two');
    // The old entry key does not open the new ciphertext.
    expectCode(
      () =>
        aeadDecrypt(
          firstKey as never,
          fromBase64Url(second.ciphertext),
          entryAssociatedData(w.workspaceId, second.id, 2),
        ),
      'CRYPTO_DECRYPT_FAILED',
    );
    // And the AD binds the version: the old key opens only the old version.
    const old = unpadValue(
      aeadDecrypt(
        firstKey as never,
        fromBase64Url(first.ciphertext),
        entryAssociatedData(w.workspaceId, first.id, 1),
      ),
    );
    expect(fromUtf8(old)).toBe('one');
  });

  it('needs a grant to read and WRITE to write', () => {
    const { w, alice, bob } = setup();
    write(w, alice, 'team/x', 'secret');
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/x'), 'STORE_NO_KEY');
    w.commit(grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['READ'] }));
    expect(readEntryText(w.ctx(bob), w.view, 'team/x')).toBe('secret');
    expectCode(
      () => writeEntry(w.ctx(bob), w.view, { path: 'team/x', value: 'mine' }),
      'STORE_FORBIDDEN',
    );
    expectCode(
      () => writeEntry(w.ctx(bob), w.view, { path: 'team/new', value: 'mine' }),
      'STORE_FORBIDDEN',
    );
  });

  it('writing needs the namespace key too (WRITE alone cannot check where the value goes)', () => {
    const { w, alice, bob } = setup();
    w.commit(
      grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['WRITE'] }),
    );
    expectCode(
      () => writeEntry(w.ctx(bob), w.view, { path: 'team/new', value: 'x' }),
      'STORE_FORBIDDEN',
    );
    w.commit(grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['READ'] }));
    write(w, bob, 'team/new', 'by bob');
    expect(readEntry(w.ctx(alice), w.view, 'team/new').writer).toBe('bob');
  });

  it('refuses values over 2048 bytes, the root path, and entries over namespaces', () => {
    const { w, alice } = setup();
    expectCode(
      () => writeEntry(w.ctx(alice), w.view, { path: 'team/big', value: new Uint8Array(2049) }),
      'STORE_VALUE_TOO_LARGE',
    );
    write(w, alice, 'team/max', 'x'.repeat(2048));
    expect(readEntryText(w.ctx(alice), w.view, 'team/max')).toHaveLength(2048);
    expectCode(
      () => writeEntry(w.ctx(alice), w.view, { path: '', value: 'x' }),
      'STORE_INVALID_PATH',
    );
    expectCode(
      () => writeEntry(w.ctx(alice), w.view, { path: 'team', value: 'x' }),
      'STORE_CONFLICT',
    );
    expectCode(() => readEntry(w.ctx(alice), w.view, 'team/none'), 'STORE_NOT_FOUND');
  });

  it('expired entries are refused', () => {
    const { w, alice } = setup();
    const result = writeEntry(w.ctx(alice), w.view, {
      path: 'team/otp',
      value: '123456',
      expiresAt: new Date('2030-01-01T00:00:00Z'),
    });
    w.commit(result.change);
    expect(result.record.expiresAt).toBe('2030-01-01T00:00:00.000Z');
    expect(
      readEntryText(w.ctx(alice, { now: new Date('2029-12-31T23:59:59Z') }), w.view, 'team/otp'),
    ).toBe('123456');
    expectCode(
      () => readEntry(w.ctx(alice, { now: new Date('2030-01-01T00:00:00Z') }), w.view, 'team/otp'),
      'STORE_EXPIRED',
    );
  });

  it('deleting needs DELETE and removes the entry and its grants', () => {
    const { w, alice, bob } = setup();
    write(w, alice, 'team/x', 'v');
    w.commit(
      grantAccess(w.ctx(alice), w.view, {
        path: 'team/x',
        grantee: 'bob',
        access: ['READ', 'WRITE'],
      }),
    );
    expectCode(() => deleteEntry(w.ctx(bob), w.view, 'team/x'), 'STORE_FORBIDDEN');
    w.commit(deleteEntry(w.ctx(alice), w.view, 'team/x'));
    expect(w.view.allEntries()).toHaveLength(0);
    expect(w.view.allGrants().filter((g) => g.target.kind === 'entry')).toHaveLength(0);
  });

  it('a direct share reads the entry without access to its namespace, also after updates', () => {
    const { w, alice, bob } = setup();
    write(w, alice, 'team/wifi', 'pass1');
    w.commit(
      grantAccess(w.ctx(alice), w.view, { path: 'team/wifi', grantee: 'bob', access: ['READ'] }),
    );
    expect(readEntryText(w.ctx(bob), w.view, 'team/wifi')).toBe('pass1');
    write(w, alice, 'team/wifi', 'pass2');
    expect(readEntryText(w.ctx(bob), w.view, 'team/wifi')).toBe('pass2');
    write(w, alice, 'team/other', 'no');
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/other'), 'STORE_NO_KEY');
  });
});

describe('a malicious server', () => {
  it('cannot forge an entry with only the namespace public key (not signed by a writer)', () => {
    const { w, alice, bob } = setup();
    w.commit(grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['READ'] }));
    const team = w.view.namespaceByToken(tokenOf(w, alice, 'team'))!;
    const forge = (writer: Person, claimedName?: string): EntryRecord => {
      const record = sealEntryRecord({
        workspaceId: w.workspaceId,
        locator: newLocator(w.workspaceId, 'entry', 'team/forged'),
        token: tokenOf(w, alice, 'team/forged'),
        naming: 1,
        version: 1,
        value: new TextEncoder().encode('pay to mallory'),
        expiresAt: null,
        namespace: team,
        readers: [],
        writer: { name: claimedName ?? writer.name, signKeyPair: writer.identity.signKeyPair },
      });
      return record;
    };
    // 1. Signed by an outsider's key.
    const eve = person('eve');
    w.view.unsafePut('entry', forge(eve));
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/forged'), 'STORE_FORBIDDEN');
    // 2. Claims to be written by alice but signed by someone else.
    w.view.unsafePut('entry', { ...forge(eve, 'alice'), id: w.view.allEntries()[0]!.id });
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/forged'), 'STORE_BAD_SIGNATURE');
    // 3. Signed correctly by a member who may read but not write there.
    for (const e of w.view.allEntries()) w.view.unsafeRemove('entry', e.id);
    w.view.unsafePut('entry', forge(bob));
    expectCode(() => readEntry(w.ctx(alice), w.view, 'team/forged'), 'STORE_FORBIDDEN');
  });

  it('cannot replay an older version to a client that saw a newer one', () => {
    const { w, alice, bob } = setup();
    w.commit(grantAccess(w.ctx(alice), w.view, { path: 'team', grantee: 'bob', access: ['READ'] }));
    const v1 = write(w, alice, 'team/x', 'old password');
    write(w, alice, 'team/x', 'new password');
    expect(readEntryText(w.ctx(bob), w.view, 'team/x')).toBe('new password');
    w.view.unsafePut('entry', v1);
    expectCode(() => readEntry(w.ctx(bob), w.view, 'team/x'), 'STORE_STALE');
    // A client without memory cannot tell (documented limitation).
    expect(readEntryText(w.ctx(bob, { seen: false }), w.view, 'team/x')).toBe('old password');
  });

  it('cannot move a ciphertext to another path', () => {
    const { w, alice } = setup();
    const x = write(w, alice, 'team/x', 'value of x');
    const y = write(w, alice, 'team/y', 'value of y');
    const reader = () => readEntry(w.ctx(alice, { seen: false }), w.view, 'team/x');
    // (a) the whole record of y served at x's token
    w.view.unsafeRemove('entry', x.id);
    w.view.unsafeRemove('entry', y.id);
    w.view.unsafePut('entry', { ...y, token: x.token });
    expectCode(reader, 'STORE_TAMPERED');
    // (b) y's ciphertext in x's record
    w.view.unsafeRemove('entry', y.id);
    w.view.unsafePut('entry', { ...x, ciphertext: y.ciphertext });
    expectCode(reader, 'STORE_BAD_SIGNATURE');
    // (c) y's ciphertext, signature and key envelope in x's record
    w.view.unsafePut('entry', { ...x, ciphertext: y.ciphertext, sig: y.sig, keys: y.keys });
    expectCode(reader, 'STORE_BAD_SIGNATURE');
    // (d) x's record with y's key envelope: the envelope commits to y's id and path
    w.view.unsafePut('entry', { ...x, keys: y.keys });
    expectCode(reader, 'STORE_TAMPERED');
    // untouched x still reads
    w.view.unsafePut('entry', x);
    expect(fromUtf8(reader().value)).toBe('value of x');
  });

  it('cannot change a ciphertext, re-file an entry, or seal it to an old key', () => {
    const { w, alice } = setup();
    const x = write(w, alice, 'team/x', 'value');
    const reader = () => readEntry(w.ctx(alice, { seen: false }), w.view, 'team/x');
    const bytes = fromBase64Url(x.ciphertext);
    bytes[50] = bytes[50]! ^ 1;
    w.view.unsafePut('entry', { ...x, ciphertext: toBase64Url(bytes) });
    expectCode(reader, 'STORE_BAD_SIGNATURE');
    const root = w.view.namespaceByToken(tokenOf(w, alice, ''))!;
    w.view.unsafePut('entry', { ...x, namespace: root.id });
    expectCode(reader, 'STORE_TAMPERED');
    w.view.unsafePut('entry', {
      ...x,
      keys: { ...x.keys, namespace: { ...x.keys.namespace, generation: 2 } },
    });
    expectCode(reader, 'STORE_TAMPERED');
    w.view.unsafePut('entry', x);
    expect(fromUtf8(reader().value)).toBe('value');
  });
});
