/**
 * The attack classes of the ETH Zurich 2026 study of password-manager servers that apply to the
 * store, on SQLite and PostgreSQL. Each time the honest server accepted the records; the
 * server's storage is then changed behind its back (test/store-tamper.ts), so the refusal
 * asserted is the client's own.
 */
import { describe, expect, it } from 'vitest';
import { useSdkTestServer, useTestBackends } from './test/backends.js';
import { allRecords, entryRecordAt, learn, tamper } from './test/store-tamper.js';
import { codeOf, listed, team } from './test/store-team.js';

const backends = useTestBackends();

describe.each(backends)('attack classes of the ETH Zurich 2026 study ($name)', (backend) => {
  const server = useSdkTestServer(backend);

  async function setup() {
    const t = await team(server.url);
    await t.alice.namespace.create('team');
    await t.alice.namespace.create('ops');
    await t.alice.namespace.grant('team', 'bob', { access: ['READ'] });
    await t.alice.namespace.grant('ops', 'bob', { access: ['READ'] });
    await t.alice.entry.set('team/x', 'team secret');
    await t.alice.entry.set('ops/y', 'ops secret');
    expect(await t.bob.entry.get('team/x')).toBe('team secret');
    const teamNs = await learn(t.alice, 'team');
    const ops = await learn(t.alice, 'ops');
    return { t, teamNs, ops, view: await allRecords(t.alice) };
  }

  it('key/grant swap: a grant carrying the key envelope of another grant is refused', async () => {
    const { t, teamNs, ops, view } = await setup();
    // bob's grant on `team` carries his (honest) key envelope of `ops`
    const onTeam = view.allGrants().find((g) => g.grantee === 'bob' && g.target.id === teamNs.id)!;
    const onOps = view.allGrants().find((g) => g.grantee === 'bob' && g.target.id === ops.id)!;
    await tamper(server.storage, t.workspace, [['grant', { ...onTeam, key: onOps.key }]]);
    expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_TAMPERED');
    // the app's listing leaves it out too
    expect(await listed(t.bob)).toEqual({ paths: ['ops/y'], refused: 1 });
  });

  it('rollback: a grant from before a revocation does not count again', async () => {
    const { t, teamNs, view } = await setup();
    const old = view.allGrants().find((g) => g.grantee === 'bob' && g.target.id === teamNs.id)!;
    await t.alice.namespace.revoke('team', 'bob');
    await tamper(server.storage, t.workspace, [['grant', old]]);
    const grants = await t.alice.namespace.grants('team');
    const replayed = grants.find((g) => g.id === old.id)!;
    expect(replayed.valid).toBe(false);
    expect(await codeOf(t.bob.entry.get('team/x'))).toBe('STORE_NO_KEY');
    // not readable is not refused: the listing leaves it out without counting it
    expect(await listed(t.bob)).toEqual({ paths: ['ops/y'], refused: 0 });
  });

  it('field malleability: a signed field changed without a signature is refused', async () => {
    const { t } = await setup();
    const record = await entryRecordAt(t.alice, 'team/x');
    // the share epoch is signed: bumping it (to make direct grants of another epoch count) fails
    await tamper(server.storage, t.workspace, [
      ['entry', { ...record, shareEpoch: record.shareEpoch + 1 }],
    ]);
    expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_BAD_SIGNATURE');
    expect(await listed(t.alice)).toEqual({ paths: ['ops/y'], refused: 1 });
  });

  it('metadata tampering: an entry filed under another namespace is refused', async () => {
    const { t, ops } = await setup();
    const record = await entryRecordAt(t.alice, 'team/x');
    // the unsigned placement says `ops` (whose readers would then get the value)
    await tamper(server.storage, t.workspace, [['entry', { ...record, namespace: ops.id }]]);
    expect(await codeOf(t.alice.entry.get('team/x'))).toBe('STORE_TAMPERED');
    expect(await listed(t.alice)).toEqual({ paths: ['ops/y'], refused: 1 });
  });
});
