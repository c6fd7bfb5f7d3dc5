import { describe, expect, it } from 'vitest';
import { cryptoReady, fromBase64Url, toBase64Url } from '../crypto/index.js';
import { isBackboneError, type ErrorCode } from '../errors.js';
import { writeEntry } from './entries.js';
import { grantAccess } from './grants.js';
import { createNamespace, createRootNamespace } from './namespaces.js';
import {
  STORE_KINDS,
  entrySignedBody,
  namespaceSignedBody,
  parseEntryRecord,
  parseGrantRecord,
  parseNamespaceRecord,
  parseStoreChange,
  recordHash,
  verifyStoreStatement,
} from './records.js';
import { person, World } from './test-kit.js';

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

function sample() {
  const alice = person('alice');
  const bob = person('bob');
  const w = new World(alice);
  w.add(bob, ['STORE_USE']);
  w.commit(createRootNamespace(w.ctx(alice), w.view));
  const team = createNamespace(w.ctx(alice), w.view, { path: 'team' });
  w.commit(team);
  const entry = writeEntry(w.ctx(alice), w.view, { path: 'team/x', value: 'v' });
  w.commit(entry.change);
  const grant = grantAccess(w.ctx(alice), w.view, {
    path: 'team',
    grantee: 'bob',
    access: ['READ', 'WRITE'],
  });
  return {
    w,
    alice,
    namespace: team.namespace,
    entry: entry.record,
    grant: grant.grant,
    change: grant.change,
  };
}

describe('record schemas', () => {
  it('accept what the code makes, as JSON', () => {
    const { namespace, entry, grant, change } = sample();
    const json = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
    expect(parseNamespaceRecord(json(namespace))).toEqual(namespace);
    expect(parseEntryRecord(json(entry))).toEqual(entry);
    expect(parseGrantRecord(json(grant))).toEqual(grant);
    expect(parseStoreChange(json(change))).toEqual(change);
    expect(Object.keys(namespace).sort()).toEqual(
      [
        'v',
        'workspace',
        'id',
        'token',
        'naming',
        'parent',
        'isolated',
        'creator',
        'generation',
        'publicKey',
        'revision',
        'signer',
        'sig',
        'name',
        'inherit',
      ].sort(),
    );
  });

  it('refuse unknown versions with UNSUPPORTED_VERSION', () => {
    const { namespace, entry, grant } = sample();
    expectCode(() => parseNamespaceRecord({ ...namespace, v: 2 }), 'UNSUPPORTED_VERSION');
    expectCode(() => parseEntryRecord({ ...entry, v: 2 }), 'UNSUPPORTED_VERSION');
    expectCode(() => parseGrantRecord({ ...grant, v: 99 }), 'UNSUPPORTED_VERSION');
  });

  it('refuse malformed records with STORE_INVALID_RECORD', () => {
    const { namespace, entry, grant } = sample();
    const { sig: _sig, ...unsigned } = entry;
    expectCode(() => parseEntryRecord(unsigned), 'STORE_INVALID_RECORD');
    expectCode(() => parseEntryRecord({ ...entry, extra: 1 }), 'STORE_INVALID_RECORD');
    expectCode(() => parseEntryRecord({ ...entry, version: 0 }), 'STORE_INVALID_RECORD');
    // Ciphertexts have one of four sizes only.
    const ct = fromBase64Url(entry.ciphertext);
    expectCode(
      () => parseEntryRecord({ ...entry, ciphertext: toBase64Url(ct.subarray(1)) }),
      'STORE_INVALID_RECORD',
    );
    expectCode(() => parseEntryRecord({ ...entry, id: entry.id + 'A' }), 'STORE_INVALID_RECORD');
    // An isolated namespace has no inherited key; the root has no parent, name or inherit.
    expectCode(
      () => parseNamespaceRecord({ ...namespace, isolated: true }),
      'STORE_INVALID_RECORD',
    );
    expectCode(() => parseNamespaceRecord({ ...namespace, parent: null }), 'STORE_INVALID_RECORD');
    expectCode(() => parseNamespaceRecord({ ...namespace, revision: 0 }), 'STORE_INVALID_RECORD');
    // A grant with READ on a namespace carries a key; without READ it does not.
    expectCode(() => parseGrantRecord({ ...grant, key: null }), 'STORE_INVALID_RECORD');
    expectCode(() => parseGrantRecord({ ...grant, access: ['WRITE'] }), 'STORE_INVALID_RECORD');
    expectCode(
      () => parseGrantRecord({ ...grant, access: ['WRITE', 'READ'] }),
      'STORE_INVALID_RECORD',
    );
    expectCode(() => parseGrantRecord({ ...grant, grantee: 'Not A Name' }), 'STORE_INVALID_RECORD');
  });
});

describe('signed statements', () => {
  it('have their own kind: a namespace signature is not an entry signature', () => {
    const { w, namespace, entry } = sample();
    const pk = w.state.members.get('alice')!.signPk;
    expect(
      verifyStoreStatement(
        STORE_KINDS.namespace,
        namespaceSignedBody(namespace),
        namespace.sig,
        pk,
      ),
    ).toBe(true);
    expect(
      verifyStoreStatement(STORE_KINDS.entry, namespaceSignedBody(namespace), namespace.sig, pk),
    ).toBe(false);
    expect(verifyStoreStatement(STORE_KINDS.entry, entrySignedBody(entry), entry.sig, pk)).toBe(
      true,
    );
    expect(
      verifyStoreStatement(
        STORE_KINDS.entry,
        entrySignedBody({ ...entry, version: 2 }),
        entry.sig,
        pk,
      ),
    ).toBe(false);
    expect(verifyStoreStatement(STORE_KINDS.entry, entrySignedBody(entry), 'x', pk)).toBe(false);
  });

  it('record hashes ignore key order (canonical JSON) and see every field', () => {
    const { entry } = sample();
    const reordered = Object.fromEntries(Object.entries(entry).reverse());
    expect(recordHash(reordered)).toBe(recordHash(entry));
    expect(recordHash({ ...entry, version: entry.version + 1 })).not.toBe(recordHash(entry));
  });
});
